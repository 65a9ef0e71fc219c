package org.templar.pool.sv2.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.templar.share.Hex;

/** Every row of the three BIP324 vector files (see src/test/resources/vectors/README.md). */
class ElligatorSwiftVectorsTest {

    @Test
    void decodesEveryEncodingVector() {
        List<Map<String, String>> rows = VectorFile.rows("/vectors/bip324/ellswift_decode_test_vectors.csv");
        assertEquals(76, rows.size());
        for (Map<String, String> row : rows) {
            byte[] x = ElligatorSwift.decode(Hex.decode(row.get("ellswift")));
            assertEquals(row.get("x"), Hex.encode(x), row.get("comment"));
        }
    }

    @Test
    void inverseMapMatchesEveryCaseOfEveryVector() {
        List<Map<String, String>> rows = VectorFile.rows("/vectors/bip324/xswiftec_inv_test_vectors.csv");
        assertEquals(32, rows.size());
        int solutions = 0;
        for (Map<String, String> row : rows) {
            BigInteger u = new BigInteger(row.get("u"), 16);
            BigInteger x = new BigInteger(row.get("x"), 16);
            for (int c = 0; c < 8; c++) {
                String expected = row.get("case" + c + "_t");
                Optional<BigInteger> t = ElligatorSwift.xSwiftEcInv(x, u, c);
                String where = row.get("comment") + " case " + c;
                if (expected.isEmpty()) {
                    assertTrue(t.isEmpty(), where + ": expected no solution");
                } else {
                    assertTrue(t.isPresent(), where + ": expected a solution");
                    assertEquals(expected, Hex.encode(Secp256k1.to32(t.get())), where);
                    // And the forward map takes it back to x.
                    assertEquals(x, ElligatorSwift.xSwiftEc(u, t.get()), where + " round trip");
                    solutions++;
                }
            }
        }
        assertTrue(solutions > 0);
    }

    @Test
    void packetVectorsSharedSecretMatches() {
        List<Map<String, String>> rows = VectorFile.rows("/vectors/bip324/packet_encoding_test_vectors.csv");
        assertEquals(7, rows.size());
        for (Map<String, String> row : rows) {
            String where = "in_idx " + row.get("in_idx");
            BigInteger secret = new BigInteger(row.get("in_priv_ours"), 16);
            byte[] ours = Hex.decode(row.get("in_ellswift_ours"));
            byte[] theirs = Hex.decode(row.get("in_ellswift_theirs"));
            boolean initiating = row.get("in_initiating").equals("1");

            assertEquals(row.get("mid_x_ours"), Hex.encode(Secp256k1.xOnlyPublicKey(secret)), where);
            assertEquals(row.get("mid_x_ours"), Hex.encode(ElligatorSwift.decode(ours)), where);
            assertEquals(row.get("mid_x_theirs"), Hex.encode(ElligatorSwift.decode(theirs)), where);
            assertEquals(row.get("mid_x_shared"), Hex.encode(ElligatorSwift.xOnlyEcdh(theirs, secret)), where);
            assertEquals(row.get("mid_shared_secret"),
                    Hex.encode(ElligatorSwift.sharedSecret(secret, ours, theirs, initiating)), where);
        }
    }

    @Test
    void freshEncodingsDecodeToTheKeyAndBothSidesAgree() {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 8; i++) {
            BigInteger a = Secp256k1.randomSecret(random);
            BigInteger b = Secp256k1.randomSecret(random);
            byte[] ellA = ElligatorSwift.createPublicKey(a, random);
            byte[] ellB = ElligatorSwift.createPublicKey(b, random);
            assertArrayEquals(Secp256k1.xOnlyPublicKey(a), ElligatorSwift.decode(ellA));
            assertArrayEquals(ElligatorSwift.sharedSecret(a, ellA, ellB, true),
                    ElligatorSwift.sharedSecret(b, ellB, ellA, false));
        }
    }
}
