package org.templar.pool.sv2.codec;

/** A frame header announced a payload longer than this endpoint accepts; raised before the body is read. */
public final class Sv2FrameTooLongException extends Sv2CodecException {
    private static final long serialVersionUID = 1L;
    private final long declaredLength;
    private final int maxLength;

    public Sv2FrameTooLongException(long declaredLength, int maxLength) {
        super("frame payload length " + declaredLength + " exceeds the maximum of " + maxLength + " bytes");
        this.declaredLength = declaredLength;
        this.maxLength = maxLength;
    }

    public long declaredLength() {
        return declaredLength;
    }

    public int maxLength() {
        return maxLength;
    }
}
