package org.templar.pool.sv1.codec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.templar.share.Hex;

/**
 * The calls a pool makes to a miner, typed and validated: the miner-side mirror of {@link Sv1ClientCall}.
 * Hex fields arrive decoded into the form the header needs, so a miner never handles protocol byte order.
 */
public sealed interface Sv1ServerCall {

    /**
     * mining.notify([job_id, prevhash, coinb1, coinb2, [branch...], version, nbits, ntime, clean_jobs]).
     *
     * @param prevHash previous block hash in internal byte order (the wire's word swap undone)
     * @param merkleBranch internal-order 32-byte hashes, leaf level first
     */
    record Notify(String jobId, byte[] prevHash, byte[] coinb1, byte[] coinb2, List<byte[]> merkleBranch,
            int version, int nbits, int ntime, boolean cleanJobs) implements Sv1ServerCall {
        public Notify {
            merkleBranch = List.copyOf(merkleBranch);
        }
    }

    /** mining.set_difficulty([difficulty]); fractional values are legal. */
    record SetDifficulty(double difficulty) implements Sv1ServerCall {}

    /** mining.set_version_mask(["1fffe000"]) (BIP310). */
    record SetVersionMask(int mask) implements Sv1ServerCall {}

    /** mining.set_extranonce(["extranonce1", extranonce2_size]). */
    record SetExtranonce(byte[] extranonce1, int extranonce2Size) implements Sv1ServerCall {}

    /** client.reconnect([host[, port[, wait_seconds]]]); absent host/port mean "the same as now". */
    record Reconnect(Optional<String> host, OptionalInt port, int waitSeconds) implements Sv1ServerCall {}

    /** client.show_message(["text"]). */
    record ShowMessage(String text) implements Sv1ServerCall {}

    /** Types a pool's notification; unknown methods and bad parameters raise a protocol error. */
    static Sv1ServerCall parse(Sv1Request r) throws Sv1ProtocolException {
        List<JsonNode> p = r.params();
        switch (r.method()) {
            case Sv1Methods.NOTIFY:
                return parseNotify(p);
            case Sv1Methods.SET_DIFFICULTY: {
                atLeast(p, 1, Sv1Methods.SET_DIFFICULTY);
                double d = number(p.get(0), "difficulty");
                if (!(d > 0) || Double.isInfinite(d)) {
                    throw invalid("difficulty must be positive");
                }
                return new SetDifficulty(d);
            }
            case Sv1Methods.SET_VERSION_MASK:
                atLeast(p, 1, Sv1Methods.SET_VERSION_MASK);
                return new SetVersionMask(Sv1Methods.hex32(text(p.get(0), "mask"), "mask"));
            case Sv1Methods.SET_EXTRANONCE: {
                atLeast(p, 2, Sv1Methods.SET_EXTRANONCE);
                byte[] en1 = hexBytes(text(p.get(0), "extranonce1"), "extranonce1", 32);
                int size = integer(p.get(1), "extranonce2_size");
                if (size < 0 || size + en1.length > 32) {
                    throw invalid("extranonce2_size out of range: " + size);
                }
                return new SetExtranonce(en1, size);
            }
            case Sv1Methods.RECONNECT: {
                Optional<String> host = p.size() > 0 && p.get(0).isTextual() && !p.get(0).asText().isEmpty()
                        ? Optional.of(p.get(0).asText()) : Optional.empty();
                OptionalInt port = OptionalInt.empty();
                if (p.size() > 1 && !p.get(1).isNull()) {
                    int v = integer(p.get(1), "port");
                    if (v < 1 || v > 65535) {
                        throw invalid("port out of range: " + v);
                    }
                    port = OptionalInt.of(v);
                }
                int wait = p.size() > 2 && !p.get(2).isNull() ? integer(p.get(2), "wait") : 0;
                if (wait < 0) {
                    throw invalid("wait must not be negative");
                }
                return new Reconnect(host, port, wait);
            }
            case Sv1Methods.SHOW_MESSAGE:
                atLeast(p, 1, Sv1Methods.SHOW_MESSAGE);
                return new ShowMessage(p.get(0).asText());
            default:
                throw new Sv1ProtocolException(Sv1Error.METHOD_NOT_FOUND, "Method not found: "
                        + (r.method().length() > 64 ? r.method().substring(0, 64) + "..." : r.method()));
        }
    }

    /** The wire prevhash (each 4-byte word of the internal-order hash byte-reversed) to internal order. */
    static byte[] prevHashFromWire(String wordSwappedHex) throws Sv1ProtocolException {
        byte[] b = hexBytes(wordSwappedHex, "prevhash", 32);
        if (b.length != 32) {
            throw invalid("prevhash must be 32 bytes");
        }
        byte[] out = new byte[32];
        for (int w = 0; w < 32; w += 4) {
            for (int i = 0; i < 4; i++) {
                out[w + i] = b[w + 3 - i];
            }
        }
        return out;
    }

    private static Notify parseNotify(List<JsonNode> p) throws Sv1ProtocolException {
        if (p.size() < 9) {
            throw invalid("mining.notify takes 9 parameters, got " + p.size());
        }
        // Some pools send numeric job ids; the id is opaque text that we echo back on submit.
        JsonNode id = p.get(0);
        if (!(id.isTextual() || id.isIntegralNumber()) || id.asText().isEmpty() || id.asText().length() > 128) {
            throw invalid("job id must be a non-empty string");
        }
        byte[] prev = prevHashFromWire(text(p.get(1), "prevhash"));
        byte[] coinb1 = hexBytes(text(p.get(2), "coinb1"), "coinb1", 1 << 20);
        byte[] coinb2 = hexBytes(text(p.get(3), "coinb2"), "coinb2", 1 << 20);
        if (!p.get(4).isArray()) {
            throw invalid("merkle branch must be an array");
        }
        List<byte[]> branch = new ArrayList<>();
        for (JsonNode step : p.get(4)) {
            byte[] s = hexBytes(text(step, "merkle branch entry"), "merkle branch entry", 32);
            if (s.length != 32) {
                throw invalid("merkle branch entries must be 32 bytes");
            }
            branch.add(s);
        }
        if (branch.size() > 32) {
            throw invalid("merkle branch too long: " + branch.size());
        }
        int version = Sv1Methods.hex32(text(p.get(5), "version"), "version");
        int nbits = Sv1Methods.hex32(text(p.get(6), "nbits"), "nbits");
        int ntime = Sv1Methods.hex32(text(p.get(7), "ntime"), "ntime");
        if (!p.get(8).isBoolean()) {
            throw invalid("clean_jobs must be a boolean");
        }
        return new Notify(id.asText(), prev, coinb1, coinb2, branch, version, nbits, ntime, p.get(8).asBoolean());
    }

    private static void atLeast(List<JsonNode> p, int n, String method) throws Sv1ProtocolException {
        if (p.size() < n) {
            throw invalid(method + " needs at least " + n + " parameter(s), got " + p.size());
        }
    }

    private static String text(JsonNode n, String what) throws Sv1ProtocolException {
        if (!n.isTextual()) {
            throw invalid(what + " must be a string");
        }
        return n.asText();
    }

    private static byte[] hexBytes(String s, String what, int maxBytes) throws Sv1ProtocolException {
        if ((s.length() & 1) != 0 || s.length() / 2 > maxBytes || !Hex.isHex(s, s.length() / 2)) {
            throw invalid(what + " must be hex of at most " + maxBytes + " bytes");
        }
        return Hex.decode(s);
    }

    private static double number(JsonNode n, String what) throws Sv1ProtocolException {
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isTextual()) {
            try {
                return Double.parseDouble(n.asText());
            } catch (NumberFormatException e) {
                throw invalid(what + " must be a number");
            }
        }
        throw invalid(what + " must be a number");
    }

    private static int integer(JsonNode n, String what) throws Sv1ProtocolException {
        if (n.isIntegralNumber() && n.canConvertToInt()) {
            return n.asInt();
        }
        if (n.isTextual()) {
            try {
                return Integer.parseInt(n.asText());
            } catch (NumberFormatException e) {
                throw invalid(what + " must be an integer");
            }
        }
        throw invalid(what + " must be an integer");
    }

    private static Sv1ProtocolException invalid(String message) {
        return new Sv1ProtocolException(Sv1Error.OTHER, "Invalid params: " + message);
    }
}
