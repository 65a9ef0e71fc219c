package org.templar.pool.sv2.codec;

import java.util.Arrays;
import org.templar.share.Hex;

/**
 * Immutable byte string with equality by content.
 *
 * <p>Records holding a {@code byte[]} compare by identity, which breaks round-trip tests and any
 * message comparison; every SV2 byte field (B0_32, B0_255, B0_64K, B0_16M, PUBKEY, SIGNATURE) is
 * therefore carried as a {@code Bytes}. The array is copied on the way in and out.
 */
public final class Bytes {
    public static final Bytes EMPTY = new Bytes(new byte[0]);

    private final byte[] bytes;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Bytes of(byte[] bytes) {
        if (bytes == null) {
            throw new IllegalArgumentException("bytes must not be null");
        }
        return bytes.length == 0 ? EMPTY : new Bytes(bytes.clone());
    }

    public static Bytes of(int... unsignedBytes) {
        byte[] b = new byte[unsignedBytes.length];
        for (int i = 0; i < b.length; i++) {
            if (unsignedBytes[i] < 0 || unsignedBytes[i] > 0xff) {
                throw new IllegalArgumentException("not a byte value: " + unsignedBytes[i]);
            }
            b[i] = (byte) unsignedBytes[i];
        }
        return new Bytes(b);
    }

    public static Bytes fromHex(CharSequence hex) {
        return new Bytes(Hex.decode(hex));
    }

    /** Takes ownership of a freshly allocated array (decoder use only: nobody else holds it). */
    static Bytes owned(byte[] fresh) {
        return fresh.length == 0 ? EMPTY : new Bytes(fresh);
    }

    public int length() {
        return bytes.length;
    }

    public byte get(int index) {
        return bytes[index];
    }

    public byte[] toArray() {
        return bytes.clone();
    }

    /** Internal array for writers in this package; never handed out. */
    byte[] unsafeArray() {
        return bytes;
    }

    public String toHex() {
        return Hex.encode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return bytes.length <= 64 ? toHex() : Hex.encode(bytes, 0, 32) + "...(" + bytes.length + " bytes)";
    }
}
