package org.templar.pool.sv2.noise;

import java.math.BigInteger;
import java.security.SecureRandom;

import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.BIP340Signer;

/**
 * BIP340 Schnorr signatures over secp256k1 (certificate signatures of Stratum V2 servers), through
 * BouncyCastle's {@link BIP340Signer}. Keys are x-only (32 bytes), signatures 64 bytes.
 */
public final class Schnorr {

    public static final int SIGNATURE_LENGTH = 64;
    public static final int PUBLIC_KEY_LENGTH = 32;

    private Schnorr() {
    }

    /** Signs with fresh auxiliary randomness (BIP340's recommended default). */
    public static byte[] sign(BigInteger secret, byte[] message, SecureRandom random) {
        byte[] aux = new byte[32];
        random.nextBytes(aux);
        return sign(secret, message, aux);
    }

    /** Signs with the given 32 bytes of auxiliary randomness (deterministic; used by the BIP340 vectors). */
    public static byte[] sign(BigInteger secret, byte[] message, byte[] auxRand) {
        if (auxRand.length != 32) {
            throw new IllegalArgumentException("aux_rand is 32 bytes");
        }
        if (!Secp256k1.isValidSecret(secret)) {
            throw new IllegalArgumentException("secret key out of range");
        }
        BIP340Signer signer = new BIP340Signer();
        ECPrivateKeyParameters key = new ECPrivateKeyParameters(secret, BIP340Signer.getDomain());
        // BIP340Signer draws its 32 aux bytes from the SecureRandom it is given; hand it exactly ours.
        signer.init(true, new ParametersWithRandom(key, new FixedBytesRandom(auxRand)));
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }

    /** Verifies; any malformed key or signature is simply "not valid". */
    public static boolean verify(byte[] xOnlyPublicKey, byte[] message, byte[] signature) {
        if (xOnlyPublicKey.length != PUBLIC_KEY_LENGTH || signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        ECPublicKeyParameters key;
        try {
            key = BIP340Signer.decodePublicKey(xOnlyPublicKey);
        } catch (RuntimeException notOnCurve) {
            return false;
        }
        if (key == null) {
            // BouncyCastle answers null for an x with no curve point.
            return false;
        }
        BIP340Signer signer = new BIP340Signer();
        signer.init(false, key);
        signer.update(message, 0, message.length);
        try {
            return signer.verifySignature(signature);
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    /** A SecureRandom that yields one fixed 32-byte value: BIP340's aux_rand passed through BouncyCastle's API. */
    private static final class FixedBytesRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final byte[] bytes;

        FixedBytesRandom(byte[] bytes) {
            this.bytes = bytes.clone();
        }

        @Override
        public void nextBytes(byte[] out) {
            if (out.length != bytes.length) {
                throw new IllegalStateException("expected a request for " + bytes.length + " bytes");
            }
            System.arraycopy(bytes, 0, out, 0, bytes.length);
        }
    }
}
