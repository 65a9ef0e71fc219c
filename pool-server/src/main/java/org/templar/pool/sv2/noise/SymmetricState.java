package org.templar.pool.sv2.noise;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Noise SymmetricState for Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256: the chaining key ck, the
 * handshake hash h and the handshake CipherState k (empty until the first MixKey).
 */
final class SymmetricState {

    static final String PROTOCOL_NAME = "Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256";
    private static final byte[] EMPTY = new byte[0];

    private byte[] ck;
    private byte[] h;
    private CipherState k;

    SymmetricState() {
        // The name is longer than 32 bytes, so h = HASH(name); ck = h; then h = HASH(h) as the SV2 spec states.
        byte[] hashedName = ElligatorSwift.sha256(PROTOCOL_NAME.getBytes(StandardCharsets.US_ASCII));
        ck = hashedName;
        h = ElligatorSwift.sha256(hashedName);
    }

    byte[] handshakeHash() {
        return h.clone();
    }

    void mixHash(byte[] data) {
        MessageDigest digest = ElligatorSwift.newSha256();
        digest.update(h);
        digest.update(data);
        h = digest.digest();
    }

    void mixKey(byte[] inputKeyMaterial) {
        byte[][] out = hkdf(ck, inputKeyMaterial);
        ck = out[0];
        k = CipherState.withKey(out[1]);
    }

    byte[] encryptAndHash(byte[] plaintext) throws NoiseException {
        byte[] ciphertext = k == null ? plaintext : k.encryptWithAd(h, plaintext);
        mixHash(ciphertext);
        return ciphertext;
    }

    byte[] decryptAndHash(byte[] ciphertext) throws NoiseException {
        byte[] plaintext = k == null ? ciphertext : k.decryptWithAd(h, ciphertext);
        mixHash(ciphertext);
        return plaintext;
    }

    /** Split(): (initiator-to-responder, responder-to-initiator) transport ciphers. */
    CipherState[] split() {
        byte[][] out = hkdf(ck, EMPTY);
        return new CipherState[] {CipherState.withKey(out[0]), CipherState.withKey(out[1])};
    }

    /** HKDF (RFC 5869) with HMAC-SHA256, empty info, two 32-byte outputs. */
    static byte[][] hkdf(byte[] chainingKey, byte[] inputKeyMaterial) {
        byte[] tempKey = hmac(chainingKey, inputKeyMaterial);
        byte[] output1 = hmac(tempKey, new byte[] {0x01});
        byte[] second = new byte[output1.length + 1];
        System.arraycopy(output1, 0, second, 0, output1.length);
        second[output1.length] = 0x02;
        byte[] output2 = hmac(tempKey, second);
        return new byte[][] {output1, output2};
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
