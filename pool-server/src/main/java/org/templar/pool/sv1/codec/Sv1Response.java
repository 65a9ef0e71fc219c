package org.templar.pool.sv1.codec;

/** A response: exactly one of result / error is meaningful; {@code error == null} means success. */
public record Sv1Response(Sv1Id id, Sv1Result result, Sv1Error error) implements Sv1Message {
    public Sv1Response {
        id = id == null ? Sv1Id.NULL : id;
        result = result == null || error != null ? Sv1Result.NULL : result;
    }

    public static Sv1Response ok(Sv1Id id, Sv1Result result) {
        return new Sv1Response(id, result, null);
    }

    public static Sv1Response error(Sv1Id id, Sv1Error error) {
        return new Sv1Response(id, Sv1Result.NULL, error);
    }

    public boolean isError() {
        return error != null;
    }
}
