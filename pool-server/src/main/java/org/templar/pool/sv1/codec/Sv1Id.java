package org.templar.pool.sv1.codec;

import java.util.OptionalLong;

/**
 * A JSON-RPC request id, opaque to everything but the codec: the JSON text the peer sent (a number, a
 * string or null), kept exactly so that the answer echoes it byte for byte. Miners match answers by
 * id, and some compare them as text, so {@code 1.50} must come back as {@code 1.50}, not {@code 1.5}.
 */
public final class Sv1Id {
    /** No id: a notification, or an answer to a line whose id could not be read. */
    public static final Sv1Id NULL = new Sv1Id("null");

    private final String json;

    private Sv1Id(String json) {
        this.json = json;
    }

    /** An id of our own (the miner side numbers its requests). */
    public static Sv1Id of(long id) {
        return new Sv1Id(Long.toString(id));
    }

    /** The id's JSON text as read by the decoder, which has checked that it is a number, string or null. */
    static Sv1Id fromJson(String json) {
        return "null".equals(json) ? NULL : new Sv1Id(json);
    }

    public boolean isNull() {
        return this == NULL;
    }

    /** The id as a whole number when it is one (how the miner side matches answers to its requests). */
    public OptionalLong asLong() {
        if (json.isEmpty() || json.length() > 19 || json.charAt(0) == '"') {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(json));
        } catch (NumberFormatException e) {
            return OptionalLong.empty(); // a fraction or an exponent: not one of ours
        }
    }

    /** The JSON text to write back. */
    String json() {
        return json;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sv1Id other && json.equals(other.json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return json;
    }
}
