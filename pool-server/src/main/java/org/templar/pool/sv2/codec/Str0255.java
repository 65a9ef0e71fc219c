package org.templar.pool.sv2.codec;

import java.nio.charset.StandardCharsets;

/**
 * STR0_255: the spec defines it as a length-prefixed byte string ("unconstrained sequence of
 * bytes" for user_identity), not as validated UTF-8. Keeping the raw bytes means a name that is not
 * valid UTF-8 is neither rejected nor silently altered, so re-encoding reproduces the peer's bytes.
 * {@link #text()} decodes as UTF-8 (malformed input replaced) for display, logs and lookups.
 */
public record Str0255(Bytes bytes) {
    public static final int MAX_LENGTH = 255;
    public static final Str0255 EMPTY = new Str0255(Bytes.EMPTY);

    public Str0255 {
        if (bytes == null) {
            throw new Sv2CodecException("STR0_255 bytes must not be null");
        }
        if (bytes.length() > MAX_LENGTH) {
            throw new Sv2CodecException("STR0_255 is at most 255 bytes, got " + bytes.length());
        }
    }

    /** UTF-8 encodes {@code text}; refuses text longer than 255 bytes rather than truncating it. */
    public static Str0255 of(String text) {
        return new Str0255(Bytes.owned(text.getBytes(StandardCharsets.UTF_8)));
    }

    public String text() {
        return new String(bytes.unsafeArray(), StandardCharsets.UTF_8);
    }

    public boolean isEmpty() {
        return bytes.length() == 0;
    }

    @Override
    public String toString() {
        return text();
    }
}
