package org.templar.pool.sv2.codec;

/**
 * Malformed Stratum V2 input or an attempt to encode a value outside its wire type's range.
 *
 * <p>Unchecked so codec code stays readable; the transport maps it to "close the connection". Every
 * read goes through a bounds check that throws this instead of letting an IndexOutOfBoundsException
 * escape, so a hostile peer can never make a decoder fail in an unexplained way.
 */
public class Sv2CodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Sv2CodecException(String message) {
        super(message);
    }

    public Sv2CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
