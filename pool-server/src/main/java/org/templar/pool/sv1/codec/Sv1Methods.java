package org.templar.pool.sv1.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.templar.share.Hex;

/**
 * Method names and typed (de)serialization of Stratum V1 calls in both directions. Stateless: what a
 * call means for a connection is the session's business.
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

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Sv1Methods() {}

    /** Types a miner's request; unknown methods and bad parameters raise the error to answer with. */
    public static Sv1ClientCall parseClientCall(Sv1Request r) throws Sv1ProtocolException {
        List<JsonNode> p = r.params();
        switch (r.method()) {
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
            case SUGGEST_DIFFICULTY: {
                atLeast(p, 1, SUGGEST_DIFFICULTY);
                JsonNode d = p.get(0);
                double v;
                if (d.isNumber()) {
                    v = d.asDouble();
                } else if (d.isTextual()) {
                    try {
                        v = Double.parseDouble(d.asText());
                    } catch (NumberFormatException e) {
                        throw invalid("difficulty must be a number");
                    }
                } else {
                    throw invalid("difficulty must be a number");
                }
                if (!(v > 0) || Double.isInfinite(v)) {
                    throw invalid("difficulty must be positive");
                }
                return new Sv1ClientCall.SuggestDifficulty(v);
            }
            case EXTRANONCE_SUBSCRIBE:
                return new Sv1ClientCall.ExtranonceSubscribe();
            case SUBMIT:
                return parseSubmit(p);
            default:
                throw new Sv1ProtocolException(Sv1Error.METHOD_NOT_FOUND, "Method not found: " + truncate(r.method()));
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

    // ---- server -> miner ----

    public static Sv1Request notify(String jobId, String prevHashWordSwappedHex, String coinb1Hex, String coinb2Hex,
            List<String> merkleBranchHex, int version, int nbits, int ntime, boolean cleanJobs) {
        ArrayNode branch = NODES.arrayNode();
        merkleBranchHex.forEach(branch::add);
        List<JsonNode> params = List.of(NODES.textNode(jobId), NODES.textNode(prevHashWordSwappedHex),
                NODES.textNode(coinb1Hex), NODES.textNode(coinb2Hex), branch, NODES.textNode(hex32(version)),
                NODES.textNode(hex32(nbits)), NODES.textNode(hex32(ntime)), NODES.booleanNode(cleanJobs));
        return new Sv1Request(null, NOTIFY, params);
    }

    public static Sv1Request setDifficulty(double difficulty) {
        return new Sv1Request(null, SET_DIFFICULTY, List.of(difficultyNode(difficulty)));
    }

    public static Sv1Request setVersionMask(int mask) {
        return new Sv1Request(null, SET_VERSION_MASK, List.of(NODES.textNode(hex32(mask))));
    }

    public static Sv1Request setExtranonce(byte[] extranonce1, int extranonce2Size) {
        return new Sv1Request(null, SET_EXTRANONCE,
                List.of(NODES.textNode(Hex.encode(extranonce1)), NODES.numberNode(extranonce2Size)));
    }

    /**
     * client.reconnect. A null host sends no parameters at all, which miners read as "this same pool
     * again" (an empty host string would break cgminer-derived firmware).
     */
    public static Sv1Request reconnect(String host, int port, int waitSeconds) {
        if (host == null) {
            return new Sv1Request(null, RECONNECT, List.of());
        }
        return new Sv1Request(null, RECONNECT,
                List.of(NODES.textNode(host), NODES.numberNode(port), NODES.numberNode(waitSeconds)));
    }

    public static Sv1Request showMessage(String text) {
        return new Sv1Request(null, SHOW_MESSAGE, List.of(NODES.textNode(text)));
    }

    /** mining.subscribe result: [[["mining.set_difficulty", id], ["mining.notify", id]], en1, en2size]. */
    public static JsonNode subscribeResult(String sessionId, byte[] extranonce1, int extranonce2Size) {
        ArrayNode result = NODES.arrayNode();
        ArrayNode subs = result.addArray();
        subs.addArray().add(SET_DIFFICULTY).add(sessionId);
        subs.addArray().add(NOTIFY).add(sessionId);
        result.add(Hex.encode(extranonce1));
        result.add(extranonce2Size);
        return result;
    }

    /** mining.configure result for version rolling. */
    public static JsonNode configureResult(boolean versionRolling, int mask, List<String> unsupported) {
        ObjectNode result = NODES.objectNode();
        if (versionRolling) {
            result.put("version-rolling", true);
            result.put("version-rolling.mask", hex32(mask));
        }
        for (String ext : unsupported) {
            result.put(ext, false);
        }
        return result;
    }

    /** Difficulty as an integer when it is one (some firmware parses ints only), else as a double. */
    public static JsonNode difficultyNode(double d) {
        if (d == Math.rint(d) && d < 1e15) {
            return NODES.numberNode((long) d);
        }
        return NODES.numberNode(d);
    }

    public static String hex32(int v) {
        return String.format("%08x", v);
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
