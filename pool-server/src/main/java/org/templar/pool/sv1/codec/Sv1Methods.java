package org.templar.pool.sv1.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.templar.share.ExtranoncePrefix;
import org.templar.share.Hex;

/**
 * Method names, and the typing of each call's parameters in both directions (the decoder's second
 * half; Jackson stays inside the codec). Stateless: what a call means for a connection is the
 * session's business.
 */
public final class Sv1Methods {
    public static final String SUBSCRIBE = "mining.subscribe";
    public static final String AUTHORIZE = "mining.authorize";
    public static final String CONFIGURE = "mining.configure";
    public static final String SUGGEST_DIFFICULTY = "mining.suggest_difficulty";
    public static final String EXTRANONCE_SUBSCRIBE = "mining.extranonce.subscribe";
    public static final String SUBMIT = "mining.submit";
    public static final String NOTIFY = "mining.notify";
    public static final String SET_DIFFICULTY = "mining.set_difficulty";
    public static final String SET_VERSION_MASK = "mining.set_version_mask";
    public static final String SET_EXTRANONCE = "mining.set_extranonce";
    public static final String RECONNECT = "client.reconnect";
    public static final String SHOW_MESSAGE = "client.show_message";
    public static final String GET_VERSION = "client.get_version";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Sv1Methods() {}

    /** Types a miner's call; unknown methods and bad parameters raise the error to answer with. */
    static Sv1ClientCall parseClientCall(String method, List<JsonNode> p) throws Sv1ProtocolException {
        switch (method) {
            case SUBSCRIBE:
                return new Sv1ClientCall.Subscribe(optionalString(p, 0), optionalString(p, 1));
            case AUTHORIZE: {
                atLeast(p, 1, AUTHORIZE);
                String user = string(p, 0, "username");
                if (user.isEmpty() || user.length() > 256) {
                    throw invalid("username must be 1..256 characters");
                }
                return new Sv1ClientCall.Authorize(user, optionalString(p, 1).orElse(""));
            }
            case CONFIGURE:
                return parseConfigure(p);
            case SUGGEST_DIFFICULTY:
                return new Sv1ClientCall.SuggestDifficulty(difficulty(p, SUGGEST_DIFFICULTY));
            case EXTRANONCE_SUBSCRIBE:
                return new Sv1ClientCall.ExtranonceSubscribe();
            case SUBMIT:
                return parseSubmit(p);
            default:
                throw new Sv1ProtocolException(Sv1Error.METHOD_NOT_FOUND, "Method not found: " + truncate(method));
        }
    }

    private static Sv1ClientCall parseSubmit(List<JsonNode> p) throws Sv1ProtocolException {
        if (p.size() < 5 || p.size() > 6) {
            throw invalid("mining.submit takes 5 or 6 parameters, got " + p.size());
        }
        String worker = string(p, 0, "worker");
        String jobId = string(p, 1, "job id");
        String en2 = string(p, 2, "extranonce2");
        if (en2.length() > 64 || (en2.length() & 1) != 0 || !Hex.isHex(en2, en2.length() / 2)) {
            throw invalid("extranonce2 must be hex");
        }
        int ntime = hex32(string(p, 3, "ntime"), "ntime");
        int nonce = hex32(string(p, 4, "nonce"), "nonce");
        Optional<Integer> versionBits = Optional.empty();
        if (p.size() == 6 && !p.get(5).isNull()) {
            versionBits = Optional.of(hex32(string(p, 5, "version bits"), "version bits"));
        }
        return new Sv1ClientCall.Submit(worker, jobId, Hex.decode(en2), ntime, nonce, versionBits);
    }

    private static Sv1ClientCall parseConfigure(List<JsonNode> p) throws Sv1ProtocolException {
        atLeast(p, 1, CONFIGURE);
        if (!p.get(0).isArray()) {
            throw invalid("mining.configure expects a list of extension names first");
        }
        List<String> ext = new ArrayList<>();
        for (JsonNode e : p.get(0)) {
            if (!e.isTextual()) {
                throw invalid("extension names must be strings");
            }
            ext.add(e.asText());
        }
        JsonNode params = p.size() > 1 ? p.get(1) : NODES.objectNode();
        if (!params.isObject()) {
            throw invalid("mining.configure expects an object of extension parameters second");
        }
        Optional<Integer> mask = Optional.empty();
        Optional<Integer> minBits = Optional.empty();
        if (ext.contains("version-rolling")) {
            JsonNode m = params.get("version-rolling.mask");
            mask = Optional.of(m == null || m.isNull() ? 0xffffffff : hex32(textOf(m, "version-rolling.mask"), "version-rolling.mask"));
            JsonNode b = params.get("version-rolling.min-bit-count");
            if (b != null && b.canConvertToInt()) {
                minBits = Optional.of(b.asInt());
            }
        }
        return new Sv1ClientCall.Configure(ext, mask, minBits);
    }

    /** Eight lower-case hex digits, as Stratum writes 32-bit header fields and masks. */
    public static String hex32(int v) {
        char[] c = new char[8];
        for (int i = 7; i >= 0; i--) {
            c[i] = HEX_DIGITS[v & 0xf];
            v >>>= 4;
        }
        return new String(c);
    }

    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();


    // ---- miner side: the pool's calls ----

    /** Types a pool's call; unknown methods and bad parameters raise a protocol error. */
    static Sv1ServerCall parseServerCall(String method, List<JsonNode> p) throws Sv1ProtocolException {
        switch (method) {
            case NOTIFY:
                return parseNotify(p);
            case SET_DIFFICULTY:
                return new Sv1ServerCall.SetDifficulty(difficulty(p, SET_DIFFICULTY));
            case SET_VERSION_MASK:
                atLeast(p, 1, SET_VERSION_MASK);
                return new Sv1ServerCall.SetVersionMask(hex32(textOf(p.get(0), "mask"), "mask"));
            case SET_EXTRANONCE: {
                atLeast(p, 2, SET_EXTRANONCE);
                ExtranoncePrefix en1 = ExtranoncePrefix.of(hexBytes(textOf(p.get(0), "extranonce1"), "extranonce1", 32));
                int size = integer(p.get(1), "extranonce2_size");
                if (size < 0 || size + en1.size() > 32) {
                    throw invalid("extranonce2_size out of range: " + size);
                }
                return new Sv1ServerCall.SetExtranonce(en1, size);
            }
            case RECONNECT: {
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
                return new Sv1ServerCall.Reconnect(host, port, wait);
            }
            case SHOW_MESSAGE:
                atLeast(p, 1, SHOW_MESSAGE);
                return new Sv1ServerCall.ShowMessage(p.get(0).asText());
            case GET_VERSION:
                return new Sv1ServerCall.GetVersion();
            default:
                throw new Sv1ProtocolException(Sv1Error.METHOD_NOT_FOUND, "Method not found: " + truncate(method));
        }
    }

    /** The wire prevhash (each 4-byte word of the internal-order hash byte-reversed) to internal order. */
    static byte[] prevHashFromWire(String wordSwappedHex) throws Sv1ProtocolException {
        byte[] b = hexBytes(wordSwappedHex, "prevhash", 32);
        if (b.length != 32) {
            throw invalid("prevhash must be 32 bytes");
        }
        return wordSwap(b);
    }

    /** Reverses the bytes of each 4-byte word: internal order to the wire's prevhash and back. */
    static byte[] wordSwap(byte[] hash) {
        byte[] out = new byte[hash.length];
        for (int w = 0; w + 4 <= hash.length; w += 4) {
            for (int i = 0; i < 4; i++) {
                out[w + i] = hash[w + 3 - i];
            }
        }
        return out;
    }

    private static Sv1ServerCall.Notify parseNotify(List<JsonNode> p) throws Sv1ProtocolException {
        if (p.size() < 9) {
            throw invalid("mining.notify takes 9 parameters, got " + p.size());
        }
        // Some pools send numeric job ids; the id is opaque text that we echo back on submit.
        JsonNode id = p.get(0);
        if (!(id.isTextual() || id.isIntegralNumber()) || id.asText().isEmpty() || id.asText().length() > 128) {
            throw invalid("job id must be a non-empty string");
        }
        byte[] prev = prevHashFromWire(textOf(p.get(1), "prevhash"));
        byte[] coinb1 = hexBytes(textOf(p.get(2), "coinb1"), "coinb1", 1 << 20);
        byte[] coinb2 = hexBytes(textOf(p.get(3), "coinb2"), "coinb2", 1 << 20);
        if (!p.get(4).isArray()) {
            throw invalid("merkle branch must be an array");
        }
        List<byte[]> branch = new ArrayList<>();
        for (JsonNode step : p.get(4)) {
            byte[] s = hexBytes(textOf(step, "merkle branch entry"), "merkle branch entry", 32);
            if (s.length != 32) {
                throw invalid("merkle branch entries must be 32 bytes");
            }
            branch.add(s);
        }
        if (branch.size() > 32) {
            throw invalid("merkle branch too long: " + branch.size());
        }
        int version = hex32(textOf(p.get(5), "version"), "version");
        int nbits = hex32(textOf(p.get(6), "nbits"), "nbits");
        int ntime = hex32(textOf(p.get(7), "ntime"), "ntime");
        if (!p.get(8).isBoolean()) {
            throw invalid("clean_jobs must be a boolean");
        }
        return new Sv1ServerCall.Notify(id.asText(), prev, coinb1, coinb2, branch, version, nbits, ntime,
                p.get(8).asBoolean());
    }

    private static byte[] hexBytes(String s, String what, int maxBytes) throws Sv1ProtocolException {
        if ((s.length() & 1) != 0 || s.length() / 2 > maxBytes || !Hex.isHex(s, s.length() / 2)) {
            throw invalid(what + " must be hex of at most " + maxBytes + " bytes");
        }
        return Hex.decode(s);
    }

    /** The one parameter of suggest_difficulty / set_difficulty: positive and finite, fractions legal. */
    private static double difficulty(List<JsonNode> p, String method) throws Sv1ProtocolException {
        atLeast(p, 1, method);
        double d = number(p.get(0), "difficulty");
        if (!(d > 0) || Double.isInfinite(d)) {
            throw invalid("difficulty must be positive");
        }
        return d;
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

    // ---- helpers ----

    private static void atLeast(List<JsonNode> p, int n, String method) throws Sv1ProtocolException {
        if (p.size() < n) {
            throw invalid(method + " needs at least " + n + " parameter(s), got " + p.size());
        }
    }

    private static String string(List<JsonNode> p, int i, String what) throws Sv1ProtocolException {
        return textOf(p.get(i), what);
    }

    private static String textOf(JsonNode n, String what) throws Sv1ProtocolException {
        if (!n.isTextual()) {
            throw invalid(what + " must be a string");
        }
        return n.asText();
    }

    private static Optional<String> optionalString(List<JsonNode> p, int i) {
        if (p.size() <= i || p.get(i).isNull() || !p.get(i).isValueNode()) {
            return Optional.empty();
        }
        return Optional.of(p.get(i).asText());
    }

    public static int hex32(String s, String what) throws Sv1ProtocolException {
        if (s.length() != 8 || !Hex.isHex(s, 4)) {
            throw invalid(what + " must be 8 hex digits");
        }
        return (int) Long.parseLong(s, 16);
    }

    private static Sv1ProtocolException invalid(String message) {
        return new Sv1ProtocolException(Sv1Error.OTHER, "Invalid params: " + message);
    }

    private static String truncate(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}
