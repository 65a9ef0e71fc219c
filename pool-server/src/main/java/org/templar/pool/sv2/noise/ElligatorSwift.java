package org.templar.pool.sv2.noise;

import static org.templar.pool.sv2.noise.Secp256k1.P;
import static org.templar.pool.sv2.noise.Secp256k1.sqrt;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Optional;

import org.bouncycastle.math.ec.ECFieldElement;
import org.bouncycastle.math.ec.ECPoint;

/**
 * BIP324 ElligatorSwift: a 64-byte encoding (u, t) of a curve x coordinate that is
 * indistinguishable from random bytes, and the x-only ECDH built on it. Stratum V2's Noise handshake
 * sends every public key in this form.
 */
public final class ElligatorSwift {

    /** Length of an encoded public key. */
    public static final int ENCODED_LENGTH = 64;

    /** sqrt(-3) mod p, the root BIP324's formulas use (a^((p+1)/4) of p-3). */
    private static final BigInteger C = sqrt(P.subtract(BigInteger.valueOf(3))).orElseThrow();
    // Field arithmetic goes through BouncyCastle's secp256k1 field elements (fixed-width limbs,
    // addition-chain square roots): several times faster than BigInteger.modPow per handshake.
    private static final ECFieldElement ONE = fe(BigInteger.ONE);
    private static final ECFieldElement SEVEN_FE = fe(BigInteger.valueOf(7));
    private static final ECFieldElement THREE_FE = fe(BigInteger.valueOf(3));
    private static final ECFieldElement FOUR_FE = fe(BigInteger.valueOf(4));
    private static final ECFieldElement HALF_FE = fe(BigInteger.TWO.modInverse(P));
    private static final ECFieldElement C_FE = fe(C);
    /** u * (1 - c) / 2 and u * (1 + c) / 2 factors of the inverse map. */
    private static final ECFieldElement ONE_MINUS_C_HALF = ONE.subtract(C_FE).multiply(HALF_FE);
    private static final ECFieldElement ONE_PLUS_C_HALF = ONE.add(C_FE).multiply(HALF_FE);
    private static final byte[] ECDH_TAG = sha256("bip324_ellswift_xonly_ecdh".getBytes(StandardCharsets.US_ASCII));

    private ElligatorSwift() {
    }

    /** XSwiftEC(u, t): the forward map from two field elements to a valid x coordinate. */
    public static BigInteger xSwiftEc(BigInteger u, BigInteger t) {
        return xSwiftEc(fe(u), fe(t)).toBigInteger();
    }

    private static ECFieldElement xSwiftEc(ECFieldElement u, ECFieldElement t) {
        if (u.isZero()) {
            u = ONE;
        }
        if (t.isZero()) {
            t = ONE;
        }
        ECFieldElement u3plus7 = u.square().multiply(u).add(SEVEN_FE);
        ECFieldElement t2 = t.square();
        if (u3plus7.add(t2).isZero()) {
            t = t.add(t);
            t2 = t.square();
        }
        ECFieldElement bigX = u3plus7.subtract(t2).divide(t.add(t));
        ECFieldElement bigY = bigX.add(t).divide(C_FE.multiply(u));
        ECFieldElement candidate = u.add(bigY.square().multiply(FOUR_FE));
        if (isValidX(candidate)) {
            return candidate;
        }
        ECFieldElement xOverY = bigX.divide(bigY);
        candidate = xOverY.negate().subtract(u).multiply(HALF_FE);
        if (isValidX(candidate)) {
            return candidate;
        }
        candidate = xOverY.subtract(u).multiply(HALF_FE);
        if (isValidX(candidate)) {
            return candidate;
        }
        // The map is proven to always land on one of the three; reaching here is a bug.
        throw new IllegalStateException("XSwiftEC found no valid x");
    }

    /**
     * XSwiftEC_inv(x, u, case): a t with xSwiftEc(u, t) == x, or empty when this case has no
     * solution. The eight cases together cover every preimage.
     */
    public static Optional<BigInteger> xSwiftEcInv(BigInteger x, BigInteger u, int branch) {
        ECFieldElement t = xSwiftEcInv(fe(x), fe(u), branch);
        return t == null ? Optional.empty() : Optional.of(t.toBigInteger());
    }

    /** Field-element form; null when this case has no solution. */
    private static ECFieldElement xSwiftEcInv(ECFieldElement x, ECFieldElement u, int branch) {
        if (branch < 0 || branch > 7) {
            throw new IllegalArgumentException("case must be 0..7");
        }
        ECFieldElement v;
        ECFieldElement s;
        ECFieldElement uu = u.square();
        ECFieldElement u3plus7 = uu.multiply(u).add(SEVEN_FE);
        if ((branch & 2) == 0) {
            if (isValidX(x.negate().subtract(u))) {
                return null;
            }
            v = x;
            ECFieldElement denominator = uu.add(u.multiply(v)).add(v.square());
            if (denominator.isZero()) {
                return null;
            }
            s = u3plus7.divide(denominator).negate();
        } else {
            s = x.subtract(u);
            if (s.isZero()) {
                return null;
            }
            ECFieldElement radicand = s.negate().multiply(u3plus7.multiply(FOUR_FE).add(THREE_FE.multiply(s).multiply(uu)));
            ECFieldElement r = radicand.sqrt();
            if (r == null) {
                return null;
            }
            if ((branch & 1) != 0 && r.isZero()) {
                return null;
            }
            v = r.divide(s).subtract(u).multiply(HALF_FE);
        }
        ECFieldElement w = s.sqrt();
        if (w == null) {
            return null;
        }
        ECFieldElement base = (branch & 1) == 0 ? u.multiply(ONE_MINUS_C_HALF) : u.multiply(ONE_PLUS_C_HALF);
        ECFieldElement t = w.multiply(base.add(v));
        // Cases 0 and 5 take the negated root, 1 and 4 the root as computed (BIP324's table).
        int sign = branch & 5;
        return sign == 0 || sign == 5 ? t.negate() : t;
    }

    /** x^3 + 7 is a square in the field. */
    private static boolean isValidX(ECFieldElement x) {
        return x.square().multiply(x).add(SEVEN_FE).sqrt() != null;
    }

    private static ECFieldElement fe(BigInteger v) {
        return Secp256k1.CURVE.fromBigInteger(v.mod(P));
    }

    /** Encodes x (a valid curve x coordinate) as 64 random-looking bytes u || t. */
    public static byte[] encode(BigInteger x, SecureRandom random) {
        ECFieldElement xFe = fe(x);
        if (!isValidX(xFe)) {
            throw new IllegalArgumentException("not a curve x coordinate");
        }
        byte[] ub = new byte[32];
        while (true) {
            random.nextBytes(ub);
            BigInteger u = new BigInteger(1, ub).mod(P);
            if (u.signum() == 0) {
                continue;
            }
            ECFieldElement t = xSwiftEcInv(xFe, fe(u), random.nextInt(8));
            if (t != null) {
                byte[] out = new byte[ENCODED_LENGTH];
                System.arraycopy(Secp256k1.to32(u), 0, out, 0, 32);
                System.arraycopy(t.getEncoded(), 0, out, 32, 32);
                return out;
            }
        }
    }

    /** The ElligatorSwift public key of a secret: encode((secret*G).x). */
    public static byte[] createPublicKey(BigInteger secret, SecureRandom random) {
        if (!Secp256k1.isValidSecret(secret)) {
            throw new IllegalArgumentException("secret key out of range");
        }
        return encode(Secp256k1.multiplyG(secret).getAffineXCoord().toBigInteger(), random);
    }

    /** Decodes 64 bytes (any value is valid) to the x coordinate they encode, as 32 bytes. */
    public static byte[] decode(byte[] encoded) {
        return Secp256k1.to32(decodeX(encoded));
    }

    static BigInteger decodeX(byte[] encoded) {
        if (encoded.length != ENCODED_LENGTH) {
            throw new IllegalArgumentException("ElligatorSwift encoding is 64 bytes, got " + encoded.length);
        }
        BigInteger u = Secp256k1.fromBytes(encoded, 0, 32);
        BigInteger t = Secp256k1.fromBytes(encoded, 32, 32);
        return xSwiftEc(fe(u), fe(t)).toBigInteger();
    }

    /** ellswift_ecdh_xonly: the x coordinate of secret * decode(theirs), 32 bytes. */
    public static byte[] xOnlyEcdh(byte[] theirEncoded, BigInteger secret) {
        if (!Secp256k1.isValidSecret(secret)) {
            throw new IllegalArgumentException("secret key out of range");
        }
        ECPoint point = Secp256k1.liftX(decodeX(theirEncoded)).multiply(secret).normalize();
        return Secp256k1.to32(point.getAffineXCoord().toBigInteger());
    }

    /**
     * BIP324's v2_ecdh: tagged hash "bip324_ellswift_xonly_ecdh" of ell_initiator || ell_responder || x.
     * The order of the two encodings depends on who initiated, so both sides agree.
     */
    public static byte[] sharedSecret(BigInteger secret, byte[] ourEncoded, byte[] theirEncoded, boolean initiating) {
        byte[] x = xOnlyEcdh(theirEncoded, secret);
        MessageDigest digest = newSha256();
        digest.update(ECDH_TAG);
        digest.update(ECDH_TAG);
        digest.update(initiating ? ourEncoded : theirEncoded);
        digest.update(initiating ? theirEncoded : ourEncoded);
        digest.update(x);
        return digest.digest();
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    static byte[] sha256(byte[] data) {
        return newSha256().digest(data);
    }
}
