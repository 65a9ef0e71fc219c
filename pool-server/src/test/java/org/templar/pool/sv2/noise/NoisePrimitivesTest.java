package org.templar.pool.sv2.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.templar.share.Hex;

class NoisePrimitivesTest {

    @Test
    void hkdfMatchesRfc5869TestCase3() {
        // RFC 5869 appendix A.3: empty salt (HMAC pads it to 32 zero bytes, our ck), empty info.
        byte[] ikm = new byte[22];
        Arrays.fill(ikm, (byte) 0x0b);
        byte[][] out = SymmetricState.hkdf(new byte[32], ikm);
        byte[] okm = new byte[64];
        System.arraycopy(out[0], 0, okm, 0, 32);
        System.arraycopy(out[1], 0, okm, 32, 32);
        assertEquals("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
                Hex.encode(Arrays.copyOf(okm, 42)));
    }

    @Test
    void nonceIsFourZeroBytesThenLittleEndianCounter() throws Exception {
        byte[] key = new byte[32];
        for (int i = 0; i < 32; i++) {
            key[i] = (byte) i;
        }
        CipherState state = CipherState.withKey(key);
        byte[] plaintext = "stratum".getBytes(StandardCharsets.US_ASCII);
        state.encryptWithAd(new byte[0], plaintext);
        byte[] second = state.encryptWithAd(new byte[] {9}, plaintext);

        Cipher reference = Cipher.getInstance("ChaCha20-Poly1305");
        byte[] nonce1 = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
        reference.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce1));
        reference.updateAAD(new byte[] {9});
        assertArrayEquals(reference.doFinal(plaintext), second);
        assertEquals(2, state.nonce());
    }

    @Test
    void failedDecryptionDoesNotAdvanceTheCounter() throws Exception {
        byte[] key = new byte[32];
        key[0] = 7;
        CipherState sender = CipherState.withKey(key);
        CipherState receiver = CipherState.withKey(key);
        byte[] good = sender.encryptWithAd(new byte[0], new byte[] {1, 2, 3});
        byte[] bad = good.clone();
        bad[1] ^= 0x40;
        NoiseException e = assertThrows(NoiseException.class, () -> receiver.decryptWithAd(new byte[0], bad));
        assertEquals(NoiseException.Reason.BAD_MAC, e.reason());
        assertEquals(0, receiver.nonce());
        assertArrayEquals(new byte[] {1, 2, 3}, receiver.decryptWithAd(new byte[0], good));
        assertEquals(1, receiver.nonce());
        // The same ciphertext again (a replay) is under the wrong nonce now.
        assertEquals(NoiseException.Reason.BAD_MAC,
                assertThrows(NoiseException.class, () -> receiver.decryptWithAd(new byte[0], good)).reason());
    }

    @Test
    void ciphertextLengthFollowsTheSpecChunking() {
        assertEquals(0, NoiseSession.payloadCiphertextLength(0));
        assertEquals(17, NoiseSession.payloadCiphertextLength(1));
        assertEquals(65_535, NoiseSession.payloadCiphertextLength(65_519));
        assertEquals(65_535 + 17, NoiseSession.payloadCiphertextLength(65_520));
        assertEquals(3 * 65_535 + (200_000 - 3 * 65_519) + 16, NoiseSession.payloadCiphertextLength(200_000));
    }
}
