package org.templar.pool.sv2.noise;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Noise CipherState: ChaCha20-Poly1305 (IETF) under one 32-byte key with a 64-bit message counter.
 * The 12-byte nonce is 4 zero bytes followed by the counter little-endian (the Noise convention, not
 * the usual SV2 one). A failed decryption leaves the counter where it was, so the failure is final
 * for the stream rather than silently skipping a message. Not thread-safe: one per direction, owned
 * by one event loop.
 */
public final class CipherState {

    public static final int KEY_LENGTH = 32;
    public static final int MAC_LENGTH = 16;
    /** Noise reserves 2^64-1; the counter is unsigned, so "exhausted" is -1 as a Java long. */
    private static final long RESERVED_NONCE = -1L;

    private final SecretKeySpec key;
    private Cipher cipher;
    private final byte[] nonceBytes = new byte[12];
    private long nonce;

    private CipherState(byte[] key) {
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("cipher key is 32 bytes");
        }
        this.key = new SecretKeySpec(key, "ChaCha20");
        this.cipher = newCipher();
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("ChaCha20-Poly1305");
        } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
            throw new IllegalStateException("JDK lacks ChaCha20-Poly1305", e);
        }
    }

    /** InitializeKey(key): n = 0. */
    public static CipherState withKey(byte[] key) {
        return new CipherState(key);
    }

    /** The counter value the next operation will use. */
    public long nonce() {
        return nonce;
    }

    /** ENCRYPT(k, n++, ad, plaintext): ciphertext followed by the 16-byte MAC. */
    public byte[] encryptWithAd(byte[] ad, byte[] plaintext) throws NoiseException {
        return encryptWithAd(ad, plaintext, 0, plaintext.length);
    }

    public byte[] encryptWithAd(byte[] ad, byte[] plaintext, int offset, int length) throws NoiseException {
        checkNonce();
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(nonceBytes()));
            if (ad.length > 0) {
                cipher.updateAAD(ad);
            }
            byte[] out = cipher.doFinal(plaintext, offset, length);
            nonce++;
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 encryption failed", e);
        }
    }

    /** DECRYPT(k, n++, ad, ciphertext); on a MAC failure throws and does not advance n. */
    public byte[] decryptWithAd(byte[] ad, byte[] ciphertext) throws NoiseException {
        return decryptWithAd(ad, ciphertext, 0, ciphertext.length);
    }

    public byte[] decryptWithAd(byte[] ad, byte[] ciphertext, int offset, int length) throws NoiseException {
        if (length < MAC_LENGTH) {
            throw new NoiseException(NoiseException.Reason.MALFORMED, "ciphertext shorter than its MAC");
        }
        checkNonce();
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(nonceBytes()));
            if (ad.length > 0) {
                cipher.updateAAD(ad);
            }
            byte[] out = cipher.doFinal(ciphertext, offset, length);
            nonce++;
            return out;
        } catch (AEADBadTagException e) {
            // The JDK refuses to init one Cipher twice with the same key and nonce, and the nonce
            // must not move; a fresh instance lets a caller retry (e.g. after a reordered frame).
            cipher = newCipher();
            throw new NoiseException(NoiseException.Reason.BAD_MAC,
                    "message authentication failed at nonce " + Long.toUnsignedString(nonce));
        } catch (InvalidKeyException e) {
            throw new IllegalStateException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 decryption failed", e);
        }
    }

    private void checkNonce() throws NoiseException {
        if (nonce == RESERVED_NONCE) {
            throw new NoiseException(NoiseException.Reason.NONCE_EXHAUSTED, "nonce space exhausted");
        }
    }

    private byte[] nonceBytes() {
        Arrays.fill(nonceBytes, 0, 4, (byte) 0);
        long n = nonce;
        for (int i = 4; i < 12; i++) {
            nonceBytes[i] = (byte) n;
            n >>>= 8;
        }
        return nonceBytes;
    }
}
