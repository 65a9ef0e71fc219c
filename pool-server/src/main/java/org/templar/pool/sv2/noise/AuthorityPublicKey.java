package org.templar.pool.sv2.noise;

import java.util.Arrays;

/**
 * The pool authority's public key: a BIP340 x-only key. Its text form (SV2 spec 4.7, used in
 * {@code stratum2+tcp://host:port/KEY} URLs) is base58check of the LE u16 version 1 ({@code 01 00})
 * followed by the 32 key bytes.
 */
public final class AuthorityPublicKey {

    private static final int VERSION = 1;
    private final byte[] xOnly;

    private AuthorityPublicKey(byte[] xOnly) {
        this.xOnly = xOnly;
    }

    /** From 32 x-only bytes; refused when no curve point has that x. */
    public static AuthorityPublicKey of(byte[] xOnly) {
        if (xOnly.length != 32) {
            throw new IllegalArgumentException("authority public key is 32 bytes, got " + xOnly.length);
        }
        java.math.BigInteger x = new java.math.BigInteger(1, xOnly);
        if (x.compareTo(Secp256k1.P) >= 0 || !Secp256k1.isValidX(x)) {
            throw new IllegalArgumentException("authority public key is not a secp256k1 x coordinate");
        }
        return new AuthorityPublicKey(xOnly.clone());
    }

    /** Parses the base58check text form; explains what is wrong otherwise. */
    public static AuthorityPublicKey parse(String text) {
        byte[] payload = Base58Check.decode(text.strip(), "authority public key");
        if (payload.length != 34) {
            throw new IllegalArgumentException("authority public key must decode to 34 bytes (version + key), got "
                    + payload.length);
        }
        int version = (payload[0] & 0xff) | (payload[1] & 0xff) << 8;
        if (version != VERSION) {
            throw new IllegalArgumentException("unknown authority public key version " + version + " (expected 1)");
        }
        return of(Arrays.copyOfRange(payload, 2, 34));
    }

    public byte[] xOnly() {
        return xOnly.clone();
    }

    /** The base58check text form. */
    public String toBase58() {
        byte[] payload = new byte[34];
        payload[0] = VERSION;
        payload[1] = 0;
        System.arraycopy(xOnly, 0, payload, 2, 32);
        return Base58Check.encode(payload);
    }

    @Override
    public String toString() {
        return toBase58();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthorityPublicKey other && Arrays.equals(xOnly, other.xOnly);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(xOnly);
    }
}
