package org.templar.pool.sv1.codec;

/** Input that is not valid Stratum V1; carries the error to answer with. */
public final class Sv1ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Sv1Error error;

    public Sv1ProtocolException(Sv1Error error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public Sv1ProtocolException(int code, String message) {
        this(new Sv1Error(code, message));
    }

    public Sv1Error error() {
        return error;
    }
}
