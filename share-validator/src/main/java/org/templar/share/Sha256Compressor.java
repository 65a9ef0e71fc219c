package org.templar.share;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteOrder;

/**
 * The bare SHA-256 compression function over a caller-held chaining state, so the share path can
 * keep midstates (coinbase prefix, header first block) and use constant padding blocks.
 *
 * <p>Why two engines: {@link java.security.MessageDigest} cannot export or import a midstate, and a
 * compression function written in Java runs about 8x slower than the JDK's own, which HotSpot
 * replaces with the CPU's SHA instructions ({@code UseSHA256Intrinsics} applies only to
 * {@code sun.security.provider.SHA2.implCompress0}). So when the JVM was started with
 * {@code --add-opens java.base/sun.security.provider=ALL-UNNAMED} we drive that JDK method directly
 * on its own state array ({@link #INTRINSIC}); otherwise {@link ShareHasher} falls back to plain
 * {@code MessageDigest} calls and this class computes in Java (used then only on cold paths such
 * as the per-job prefix midstate). Both produce the same bits; tests run both.
 *
 * <p>Not thread-safe: one instance per {@link ShareHasher}.
 */
public final class Sha256Compressor {
    /** True when the JDK's intrinsic compression function is reachable (see class comment). */
    public static final boolean INTRINSIC;

    private static final MethodHandle NEW_ENGINE;
    private static final MethodHandle IMPL_COMPRESS;
    private static final MethodHandle ENGINE_STATE;

    static final int[] IV = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
    };

    private static final int[] K = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
    };

    private static final VarHandle BE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    static {
        MethodHandle newEngine = null;
        MethodHandle compress = null;
        MethodHandle state = null;
        boolean ok = false;
        try {
            Class<?> sha2 = Class.forName("sun.security.provider.SHA2");
            Class<?> sha256 = Class.forName("sun.security.provider.SHA2$SHA256");
            Constructor<?> ctor = sha256.getDeclaredConstructor();
            ctor.setAccessible(true);
            Method m = sha2.getDeclaredMethod("implCompress", byte[].class, int.class);
            m.setAccessible(true);
            Field f = sha2.getDeclaredField("state");
            f.setAccessible(true);
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            newEngine = lookup.unreflectConstructor(ctor).asType(MethodType.methodType(Object.class));
            compress = lookup.unreflect(m).asType(MethodType.methodType(void.class, Object.class, byte[].class, int.class));
            state = lookup.unreflectGetter(f).asType(MethodType.methodType(int[].class, Object.class));
            // Prove it on the FIPS 180-2 "abc" vector before trusting it.
            Sha256Compressor probe = new Sha256Compressor(newEngine.invoke(), state, true);
            byte[] block = new byte[64];
            block[0] = 'a';
            block[1] = 'b';
            block[2] = 'c';
            block[3] = (byte) 0x80;
            block[63] = 24;
            int[] st = probe.state();
            System.arraycopy(IV, 0, st, 0, 8);
            compress.invokeExact(probe.engine, block, 0);
            ok = st[0] == 0xba7816bf && st[7] == 0xf20015ad;
        } catch (Throwable e) {
            ok = false; // not opened (or a JDK without this layout): ShareHasher uses MessageDigest
        }
        INTRINSIC = ok;
        NEW_ENGINE = ok ? newEngine : null;
        IMPL_COMPRESS = ok ? compress : null;
        ENGINE_STATE = ok ? state : null;
    }

    private final Object engine;
    private final int[] state;
    private final boolean intrinsic;
    private final int[] w = new int[64];

    private Sha256Compressor(Object engine, MethodHandle stateGetter, boolean intrinsic) throws Throwable {
        this.engine = engine;
        this.state = intrinsic ? (int[]) stateGetter.invokeExact(engine) : new int[8];
        this.intrinsic = intrinsic;
    }

    /** An engine using the JDK intrinsic when {@link #INTRINSIC}, else the Java compression function. */
    public static Sha256Compressor create() {
        return INTRINSIC ? create(true) : create(false);
    }

    /** For tests and benchmarks: force one engine ({@code intrinsic} requires {@link #INTRINSIC}). */
    public static Sha256Compressor create(boolean intrinsic) {
        if (intrinsic && !INTRINSIC) {
            throw new IllegalStateException("start the JVM with --add-opens java.base/sun.security.provider=ALL-UNNAMED");
        }
        try {
            return intrinsic ? new Sha256Compressor(NEW_ENGINE.invoke(), ENGINE_STATE, true)
                    : new Sha256Compressor(null, null, false);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create the SHA-256 engine", e);
        }
    }

    public boolean isIntrinsic() {
        return intrinsic;
    }

    /** The live chaining state (8 words). Callers load a midstate into it and read results from it. */
    public int[] state() {
        return state;
    }

    public void reset() {
        System.arraycopy(IV, 0, state, 0, 8);
    }

    public void load(int[] midstate) {
        System.arraycopy(midstate, 0, state, 0, 8);
    }

    /** Absorbs one 64-byte block at {@code off} into the state. */
    public void compress(byte[] block, int off) {
        if (intrinsic) {
            try {
                IMPL_COMPRESS.invokeExact(engine, block, off);
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        } else {
            compressJava(state, w, block, off);
        }
    }

    /** Writes the state as the 32-byte digest (big-endian words: SHA-256's own output order). */
    public void writeDigest(byte[] out, int off) {
        int[] s = state;
        for (int i = 0; i < 8; i++) {
            BE_INT.set(out, off + 4 * i, s[i]);
        }
    }

    /** FIPS 180-4 section 6.2.2, one block. */
    static void compressJava(int[] h, int[] w, byte[] block, int off) {
        for (int t = 0; t < 16; t++) {
            w[t] = (int) BE_INT.get(block, off + 4 * t);
        }
        for (int t = 16; t < 64; t++) {
            int x = w[t - 15];
            int y = w[t - 2];
            int s0 = Integer.rotateRight(x, 7) ^ Integer.rotateRight(x, 18) ^ (x >>> 3);
            int s1 = Integer.rotateRight(y, 17) ^ Integer.rotateRight(y, 19) ^ (y >>> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        int a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int t = 0; t < 64; t++) {
            int t1 = hh + (Integer.rotateRight(e, 6) ^ Integer.rotateRight(e, 11) ^ Integer.rotateRight(e, 25))
                    + ((e & f) ^ (~e & g)) + K[t] + w[t];
            int t2 = (Integer.rotateRight(a, 2) ^ Integer.rotateRight(a, 13) ^ Integer.rotateRight(a, 22))
                    + ((a & b) ^ (a & c) ^ (b & c));
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
    }

    /**
     * The midstate after absorbing the whole 64-byte blocks of {@code data[0, blocks*64)} (cold path:
     * job building).
     */
    public static int[] midstate(byte[] data, int blocks) {
        int[] h = IV.clone();
        int[] w = new int[64];
        for (int i = 0; i < blocks; i++) {
            compressJava(h, w, data, 64 * i);
        }
        return h;
    }

    /**
     * Writes SHA-256 padding for a message of {@code totalLength} bytes whose last partial block
     * starts at {@code buf[tailStart]} with {@code tailLength} bytes; returns the padded length
     * counted from {@code tailStart} (a multiple of 64). {@code buf} must have room.
     */
    public static int pad(byte[] buf, int tailStart, int tailLength, long totalLength) {
        int padded = ((tailLength + 8) / 64 + 1) * 64;
        buf[tailStart + tailLength] = (byte) 0x80;
        for (int i = tailStart + tailLength + 1; i < tailStart + padded - 8; i++) {
            buf[i] = 0;
        }
        long bits = totalLength * 8;
        for (int i = 0; i < 8; i++) {
            buf[tailStart + padded - 1 - i] = (byte) (bits >>> (8 * i));
        }
        return padded;
    }

    /** Padded size of a tail of {@code tailLength} bytes. */
    public static int paddedLength(int tailLength) {
        return ((tailLength + 8) / 64 + 1) * 64;
    }
}
