package org.templar.regtest;

/**
 * Output descriptor checksums (BIP380), so that scriptPubKey objects carry Core's "desc" field:
 * a BCH code over the descriptor's characters, eight characters after a '#'.
 */
final class Descriptors {
    private static final String INPUT_CHARSET =
            "0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
    private static final String CHECKSUM_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private static final long[] GENERATOR = {0xf5dee51989L, 0xa9fdca3312L, 0x1bab10e32dL, 0x3706b1677aL, 0x644d626ffdL};

    private Descriptors() {}

    /** {@code desc#checksum}; throws IllegalArgumentException for a character outside the descriptor charset. */
    static String withChecksum(String desc) {
        return desc + "#" + checksum(desc);
    }

    static String checksum(String desc) {
        long c = 1;
        int cls = 0;
        int clsCount = 0;
        for (int i = 0; i < desc.length(); i++) {
            int pos = INPUT_CHARSET.indexOf(desc.charAt(i));
            if (pos < 0) {
                throw new IllegalArgumentException("character not allowed in a descriptor: " + desc.charAt(i));
            }
            c = polyMod(c, pos & 31);
            cls = cls * 3 + (pos >> 5);
            if (++clsCount == 3) {
                c = polyMod(c, cls);
                cls = 0;
                clsCount = 0;
            }
        }
        if (clsCount > 0) {
            c = polyMod(c, cls);
        }
        for (int i = 0; i < 8; i++) {
            c = polyMod(c, 0);
        }
        c ^= 1;
        StringBuilder out = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            out.append(CHECKSUM_CHARSET.charAt((int) ((c >> (5 * (7 - i))) & 31)));
        }
        return out.toString();
    }

    private static long polyMod(long c, int value) {
        long top = c >> 35;
        c = ((c & 0x7ffffffffL) << 5) ^ value;
        for (int i = 0; i < 5; i++) {
            if (((top >> i) & 1) != 0) {
                c ^= GENERATOR[i];
            }
        }
        return c;
    }
}
