package org.templar.share;

import java.util.Arrays;

/**
 * The pool-chosen start of a coinbase's extranonce: a Stratum V1 connection's extranonce1, or a
 * Stratum V2 channel's extranonce prefix. The miner rolls the bytes after it. Immutable: the bytes are
 * copied in once, when the prefix is made, so a prefix can be handed to every share of its connection
 * and to observers on other threads without copies; {@link #writeTo} and {@link ShareHasher} read it
 * in place, so the share path allocates nothing for it.
 *
 * <p>Empty is allowed: a proxy's downstream miners may roll the whole extranonce.
 */
public final class ExtranoncePrefix {
    /** The longest extranonce a coinbase slot holds ({@link JobWork} allows 0..32 bytes). */
    public static final int MAX_SIZE = 32;

    public static final ExtranoncePrefix EMPTY = new ExtranoncePrefix(new byte[0]);

    /** Read in place by {@link ShareHasher} (same package); never written after construction. */
    final byte[] bytes;

    private ExtranoncePrefix(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A prefix holding a copy of {@code bytes} (0..{@value #MAX_SIZE} of them). */
    public static ExtranoncePrefix of(byte[] bytes) {
        if (bytes.length > MAX_SIZE) {
            throw new IllegalArgumentException("an extranonce prefix is at most " + MAX_SIZE + " bytes, got "
                    + bytes.length);
        }
        return bytes.length == 0 ? EMPTY : new ExtranoncePrefix(bytes.clone());
    }

    /** The four big-endian bytes of {@code value}: the form the pool's extranonce allocator hands out. */
    public static ExtranoncePrefix ofInt(int value) {
        return new ExtranoncePrefix(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8),
                (byte) value});
    }

    /** Parses hex as miners and logs show it ("" for the empty prefix). */
    public static ExtranoncePrefix parse(String hex) {
        if (hex.length() > 2 * MAX_SIZE || !Hex.isHex(hex, hex.length() / 2)) {
            throw new IllegalArgumentException("not an extranonce prefix (even-length hex, at most " + MAX_SIZE
                    + " bytes): \"" + hex + "\"");
        }
        return of(Hex.decode(hex));
    }

    public int size() {
        return bytes.length;
    }

    /** Copies the bytes into {@code dst} at {@code offset}: how the hot path uses a prefix, no allocation. */
    public void writeTo(byte[] dst, int offset) {
        System.arraycopy(bytes, 0, dst, offset, bytes.length);
    }

    /** A fresh copy of the bytes, for wire records and other code that keeps an array. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** The prefix as a big-endian int; it must be 4 bytes (the allocator's values). */
    public int toInt() {
        if (bytes.length != 4) {
            throw new IllegalStateException("a " + bytes.length + "-byte extranonce prefix is not an int");
        }
        return (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
    }

    /** This prefix followed by {@code count} zero bytes (an SV2 standard channel's padded prefix). */
    public ExtranoncePrefix padded(int count) {
        return count == 0 ? this : new ExtranoncePrefix(Arrays.copyOf(bytes, bytes.length + count));
    }

    /** This prefix followed by {@code rest}: a whole extranonce (block assembly, cold path). */
    public byte[] concat(byte[] rest) {
        byte[] out = Arrays.copyOf(bytes, bytes.length + rest.length);
        System.arraycopy(rest, 0, out, bytes.length, rest.length);
        return out;
    }

    public String toHex() {
        return Hex.encode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExtranoncePrefix p && Arrays.equals(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Lower-case hex, as on the wire in Stratum V1 and in the logs. */
    @Override
    public String toString() {
        return toHex();
    }
}
