package org.templar.regtest;

import java.util.HexFormat;

/**
 * Hex text for the node's RPC, on the JDK's {@link HexFormat}. Like Core's {@code IsHex}/{@code ParseHex}
 * it accepts either case on input and writes lower case.
 */
final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {}

    static String encode(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    /** Throws IllegalArgumentException on odd length or a non-hex character. */
    static byte[] decode(CharSequence hex) {
        return HEX.parseHex(hex);
    }

    /** True when {@code hex} is exactly {@code bytes} bytes of hex. */
    static boolean isHex(CharSequence hex, int bytes) {
        if (hex.length() != bytes * 2) {
            return false;
        }
        for (int i = 0; i < hex.length(); i++) {
            if (!HexFormat.isHexDigit(hex.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** A reversed copy: display order <-> internal order of hashes. */
    static byte[] reverse(byte[] bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[bytes.length - 1 - i];
        }
        return out;
    }
}
