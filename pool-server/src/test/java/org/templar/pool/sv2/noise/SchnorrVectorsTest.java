package org.templar.pool.sv2.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.templar.share.Hex;

/** Every row of the BIP340 vector file (see src/test/resources/vectors/README.md). */
class SchnorrVectorsTest {

    @Test
    void everyVectorSignsAndVerifiesAsTheBipSays() {
        List<Map<String, String>> rows = VectorFile.rows("/vectors/bip340/test-vectors.csv");
        assertEquals(19, rows.size());
        int signed = 0;
        for (Map<String, String> row : rows) {
            String where = "index " + row.get("index") + " " + row.get("comment");
            byte[] publicKey = Hex.decode(row.get("public key"));
            byte[] message = Hex.decode(row.get("message"));
            byte[] signature = Hex.decode(row.get("signature"));
            boolean expected = row.get("verification result").equals("TRUE");
            String secretHex = row.get("secret key");
            if (!secretHex.isEmpty()) {
                BigInteger secret = new BigInteger(secretHex, 16);
                assertEquals(row.get("public key"), Hex.encode(Secp256k1.xOnlyPublicKey(secret)).toUpperCase(), where);
                byte[] produced = Schnorr.sign(secret, message, Hex.decode(row.get("aux_rand")));
                assertEquals(row.get("signature"), Hex.encode(produced).toUpperCase(), where);
                signed++;
            }
            assertEquals(expected, Schnorr.verify(publicKey, message, signature), where);
        }
        assertTrue(signed >= 4);
    }

    @Test
    void aChangedMessageOrKeyDoesNotVerify() {
        SecureRandom random = new SecureRandom();
        BigInteger secret = Secp256k1.randomSecret(random);
        byte[] message = new byte[32];
        random.nextBytes(message);
        byte[] signature = Schnorr.sign(secret, message, random);
        byte[] publicKey = Secp256k1.xOnlyPublicKey(secret);
        assertTrue(Schnorr.verify(publicKey, message, signature));
        message[0] ^= 1;
        assertFalse(Schnorr.verify(publicKey, message, signature));
        message[0] ^= 1;
        assertFalse(Schnorr.verify(Secp256k1.xOnlyPublicKey(Secp256k1.randomSecret(random)), message, signature));
    }
}
