package org.templar.pool.sv2.noise;

import static org.templar.pool.sv2.noise.Secp256k1.P;
import static org.templar.pool.sv2.noise.Secp256k1.SEVEN;
import static org.templar.pool.sv2.noise.Secp256k1.add;
import static org.templar.pool.sv2.noise.Secp256k1.cube;
import static org.templar.pool.sv2.noise.Secp256k1.div;
import static org.templar.pool.sv2.noise.Secp256k1.isValidX;
import static org.templar.pool.sv2.noise.Secp256k1.mul;
import static org.templar.pool.sv2.noise.Secp256k1.neg;
import static org.templar.pool.sv2.noise.Secp256k1.sqrt;
import static org.templar.pool.sv2.noise.Secp256k1.sub;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Optional;

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
    private static final BigInteger TWO = BigInteger.TWO;
    private static final BigInteger FOUR = BigInteger.valueOf(4);
    private static final BigInteger THREE = BigInteger.valueOf(3);
    private static final BigInteger HALF = TWO.modInverse(P);
    private static final byte[] ECDH_TAG = sha256("bip324_ellswift_xonly_ecdh".getBytes(StandardCharsets.US_ASCII));

    private ElligatorSwift() {
    }

    /** XSwiftEC(u, t): the forward map from two field elements to a valid x coordinate. */
    public static BigInteger xSwiftEc(BigInteger u, BigInteger t) {
        u = u.mod(P);
        t = t.mod(P);
        if (u.signum() == 0) {
            u = BigInteger.ONE;
        }
        if (t.signum() == 0) {
            t = BigInteger.ONE;
        }
        BigInteger u3plus7 = add(cube(u), SEVEN);
        if (add(u3plus7, mul(t, t)).signum() == 0) {
            t = mul(TWO, t);
        }
        BigInteger bigX = div(sub(u3plus7, mul(t, t)), mul(TWO, t));
        BigInteger bigY = div(add(bigX, t), mul(C, u));
        BigInteger candidate = add(u, mul(FOUR, mul(bigY, bigY)));
        if (isValidX(candidate)) {
            return candidate;
        }
        BigInteger xOverY = div(bigX, bigY);
        candidate = mul(sub(neg(xOverY), u), HALF);
        if (isValidX(candidate)) {
            return candidate;
        }
        candidate = mul(sub(xOverY, u), HALF);
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
        if (branch < 0 || branch > 7) {
            throw new IllegalArgumentException("case must be 0..7");
        }
        x = x.mod(P);
        u = u.mod(P);
        BigInteger v;
        BigInteger s;
        BigInteger u3plus7 = add(cube(u), SEVEN);
        if ((branch & 2) == 0) {
            if (isValidX(sub(neg(x), u))) {
                return Optional.empty();
            }
            v = x;
            BigInteger denominator = add(add(mul(u, u), mul(u, v)), mul(v, v));
            if (denominator.signum() == 0) {
                return Optional.empty();
            }
            s = neg(div(u3plus7, denominator));
        } else {
            s = sub(x, u);
            if (s.signum() == 0) {
                return Optional.empty();
            }
            BigInteger radicand = mul(neg(s), add(mul(FOUR, u3plus7), mul(THREE, mul(s, mul(u, u)))));
            Optional<BigInteger> r = sqrt(radicand);
            if (r.isEmpty()) {
                return Optional.empty();
            }
            if ((branch & 1) != 0 && r.get().signum() == 0) {
                return Optional.empty();
            }
            v = mul(sub(div(r.get(), s), u), HALF);
        }
        Optional<BigInteger> w = sqrt(s);
        if (w.isEmpty()) {
            return Optional.empty();
        }
        BigInteger oneMinusC = sub(BigInteger.ONE, C);
        BigInteger onePlusC = add(BigInteger.ONE, C);
        BigInteger t;
        switch (branch & 5) {
            case 0 -> t = neg(mul(w.get(), add(mul(mul(u, oneMinusC), HALF), v)));
            case 1 -> t = mul(w.get(), add(mul(mul(u, onePlusC), HALF), v));
            case 4 -> t = mul(w.get(), add(mul(mul(u, oneMinusC), HALF), v));
            default -> t = neg(mul(w.get(), add(mul(mul(u, onePlusC), HALF), v)));
        }
        return Optional.of(t);
    }

    /** Encodes x (a valid curve x coordinate) as 64 random-looking bytes u || t. */
    public static byte[] encode(BigInteger x, SecureRandom random) {
        if (!isValidX(x.mod(P))) {
            throw new IllegalArgumentException("not a curve x coordinate");
        }
        byte[] ub = new byte[32];
        while (true) {
            random.nextBytes(ub);
            BigInteger u = new BigInteger(1, ub).mod(P);
            if (u.signum() == 0) {
                continue;
            }
            Optional<BigInteger> t = xSwiftEcInv(x, u, random.nextInt(8));
            if (t.isPresent()) {
                byte[] out = new byte[ENCODED_LENGTH];
                System.arraycopy(Secp256k1.to32(u), 0, out, 0, 32);
                System.arraycopy(Secp256k1.to32(t.get()), 0, out, 32, 32);
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
        return xSwiftEc(u, t);
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
