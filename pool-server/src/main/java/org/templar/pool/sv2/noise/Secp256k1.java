package org.templar.pool.sv2.noise;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;

import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECFieldElement;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * The few secp256k1 operations Stratum V2 needs beyond BouncyCastle's curve: BIP324's choice of
 * square root, the x-coordinate validity test, lift_x, random secrets and x-only public keys.
 */
public final class Secp256k1 {

    private static final X9ECParameters PARAMS = CustomNamedCurves.getByName("secp256k1");
    static final ECCurve CURVE = PARAMS.getCurve();
    static final ECPoint G = PARAMS.getG();
    /** Field size p = 2^256 - 2^32 - 977. */
    public static final BigInteger P = CURVE.getField().getCharacteristic();
    /** Group order n. */
    public static final BigInteger N = PARAMS.getN();
    static final BigInteger SEVEN = BigInteger.valueOf(7);
    private static final BigInteger SQRT_EXPONENT = P.add(BigInteger.ONE).shiftRight(2);
    private static final BigInteger LEGENDRE_EXPONENT = P.subtract(BigInteger.ONE).shiftRight(1);

    private Secp256k1() {
    }

    /**
     * The square root computed as a^((p+1)/4), without normalising its sign: BIP324's inverse map
     * (and so its test vectors) depend on exactly this root being chosen.
     */
    static Optional<BigInteger> sqrt(BigInteger a) {
        BigInteger r = a.modPow(SQRT_EXPONENT, P);
        return r.multiply(r).mod(P).equals(a.mod(P)) ? Optional.of(r) : Optional.empty();
    }

    static boolean isSquare(BigInteger a) {
        BigInteger m = a.mod(P);
        return m.signum() == 0 || m.modPow(LEGENDRE_EXPONENT, P).equals(BigInteger.ONE);
    }

    /** True when x^3 + 7 is a square, i.e. some curve point has this x coordinate. */
    public static boolean isValidX(BigInteger x) {
        return isSquare(x.multiply(x).multiply(x).add(SEVEN));
    }

    /** The curve point with this x coordinate and an even y (BIP340's lift_x). */
    static ECPoint liftX(BigInteger x) {
        if (x.signum() < 0 || x.compareTo(P) >= 0) {
            throw new IllegalArgumentException("x coordinate not below p");
        }
        ECFieldElement fx = CURVE.fromBigInteger(x);
        ECFieldElement y = fx.square().multiply(fx).add(CURVE.fromBigInteger(SEVEN)).sqrt();
        if (y == null) {
            throw new IllegalArgumentException("x is not on secp256k1");
        }
        if (y.testBitZero()) {
            y = y.negate();
        }
        return CURVE.createPoint(x, y.toBigInteger());
    }

    /** Valid secret scalars are 1..n-1. */
    public static boolean isValidSecret(BigInteger d) {
        return d.signum() > 0 && d.compareTo(N) < 0;
    }

    /** A fresh uniformly random secret scalar in 1..n-1. */
    public static BigInteger randomSecret(SecureRandom random) {
        byte[] bytes = new byte[32];
        while (true) {
            random.nextBytes(bytes);
            BigInteger d = new BigInteger(1, bytes);
            if (isValidSecret(d)) {
                Arrays.fill(bytes, (byte) 0);
                return d;
            }
        }
    }

    /** d*G, affine. */
    static ECPoint multiplyG(BigInteger d) {
        return new FixedPointCombMultiplier().multiply(G, d).normalize();
    }

    /** The x coordinate of d*G, 32 bytes big-endian (the BIP340 x-only public key). */
    public static byte[] xOnlyPublicKey(BigInteger secret) {
        if (!isValidSecret(secret)) {
            throw new IllegalArgumentException("secret key out of range");
        }
        return to32(multiplyG(secret).getAffineXCoord().toBigInteger());
    }

    static byte[] to32(BigInteger v) {
        byte[] raw = v.toByteArray();
        if (raw.length == 32) {
            return raw;
        }
        byte[] out = new byte[32];
        if (raw.length > 32) {
            // Only a leading sign byte may be dropped.
            System.arraycopy(raw, raw.length - 32, out, 0, 32);
        } else {
            System.arraycopy(raw, 0, out, 32 - raw.length, raw.length);
        }
        return out;
    }

    static BigInteger fromBytes(byte[] bytes, int offset, int length) {
        return new BigInteger(1, Arrays.copyOfRange(bytes, offset, offset + length));
    }
}
