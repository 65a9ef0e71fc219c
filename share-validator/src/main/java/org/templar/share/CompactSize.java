package org.templar.share;

import java.io.ByteArrayOutputStream;

/**
 * Bitcoin's CompactSize unsigned integer (the "varint" before counts and scripts in a transaction):
 * one byte below 0xfd, else a marker byte (0xfd, 0xfe, 0xff) and 2, 4 or 8 little-endian bytes.
 */
public final class CompactSize {
    private CompactSize() {}

    /** Appends {@code n} (non-negative) in its shortest encoding. */
    public static void write(ByteArrayOutputStream out, long n) {
        if (n < 0) {
            throw new IllegalArgumentException("CompactSize is unsigned: " + n);
        }
        if (n < 0xfd) {
            out.write((int) n);
            return;
        }
        int bytes;
        if (n <= 0xffff) {
            out.write(0xfd);
            bytes = 2;
        } else if (n <= 0xffff_ffffL) {
            out.write(0xfe);
            bytes = 4;
        } else {
            out.write(0xff);
            bytes = 8;
        }
        for (int i = 0; i < bytes; i++) {
            out.write((int) (n >>> (8 * i)));
        }
    }

    /** How many bytes {@link #write} uses for {@code n}. */
    public static int size(long n) {
        return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffff_ffffL ? 5 : 9;
    }
}
