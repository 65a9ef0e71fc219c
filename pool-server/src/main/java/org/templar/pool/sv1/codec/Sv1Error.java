package org.templar.pool.sv1.codec;

/**
 * A Stratum V1 error, serialized as {@code [code, "message", null]} the way miners expect. The codes are
 * the conventional ones every pool and firmware agree on.
 */
public record Sv1Error(int code, String message) {
    public static final int OTHER = 20;
    public static final int JOB_NOT_FOUND = 21;
    public static final int DUPLICATE = 22;
    public static final int LOW_DIFFICULTY = 23;
    public static final int UNAUTHORIZED = 24;
    public static final int NOT_SUBSCRIBED = 25;
    /** JSON-RPC's own codes, for envelopes that are not Stratum at all. */
    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;

    public static Sv1Error other(String message) {
        return new Sv1Error(OTHER, message);
    }

    public static Sv1Error stale() {
        return new Sv1Error(JOB_NOT_FOUND, "Job not found (stale)");
    }

    public static Sv1Error duplicate() {
        return new Sv1Error(DUPLICATE, "Duplicate share");
    }

    public static Sv1Error lowDifficulty() {
        return new Sv1Error(LOW_DIFFICULTY, "Low difficulty share");
    }

    public static Sv1Error unauthorized() {
        return new Sv1Error(UNAUTHORIZED, "Unauthorized worker");
    }

    public static Sv1Error notSubscribed() {
        return new Sv1Error(NOT_SUBSCRIBED, "Not subscribed");
    }
}
