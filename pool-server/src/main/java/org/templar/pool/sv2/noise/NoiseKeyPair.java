package org.templar.pool.sv2.noise;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * A secp256k1 key pair as the Noise handshake uses it: the secret scalar and the 64-byte
 * ElligatorSwift encoding of its public key (fresh randomness per encoding), plus the x-only form
 * certificates sign.
 */
public final class NoiseKeyPair {

    private final BigInteger secret;
    private final byte[] ellSwift;
    private final byte[] xOnly;

    private NoiseKeyPair(BigInteger secret, SecureRandom random) {
        this.secret = secret;
        this.ellSwift = ElligatorSwift.createPublicKey(secret, random);
        this.xOnly = Secp256k1.xOnlyPublicKey(secret);
    }

    public static NoiseKeyPair generate(SecureRandom random) {
        return new NoiseKeyPair(Secp256k1.randomSecret(random), random);
    }

    BigInteger secret() {
        return secret;
    }

    /** The 64-byte ElligatorSwift public key. */
    public byte[] ellSwift() {
        return ellSwift.clone();
    }

    /** The 32-byte x-only public key. */
    public byte[] xOnly() {
        return xOnly.clone();
    }

    /** This key's half of BIP324's v2_ecdh with a peer's ElligatorSwift key. */
    byte[] ecdh(byte[] theirEllSwift, boolean initiating) {
        return ElligatorSwift.sharedSecret(secret, ellSwift, theirEllSwift, initiating);
    }
}
