package org.templar.share;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.bitcoinj.base.internal.ByteUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** nbits <-> target <-> difficulty, exact where it must be (sources: resources/vectors/README.md). */
@Timeout(30)
class TargetArithmeticTest {

    @Test
    void compactVectorsFromBitcoinCoreArithUint256Tests() {
        int[] zero = {0x00123456, 0x01003456, 0x02000056, 0x03000000, 0x04000000, 0x00923456, 0x01803456,
            0x02800056, 0x03800000, 0x04800000};
        for (int nbits : zero) {
            assertEquals(BigInteger.ZERO, CompactTarget.decode(nbits), Integer.toHexString(nbits));
        }
        assertEquals(new BigInteger("12", 16), CompactTarget.decode(0x01123456));
        assertEquals(0x01120000, CompactTarget.encode(new BigInteger("12", 16)));
        assertEquals(new BigInteger("1234", 16), CompactTarget.decode(0x02123456));
        assertEquals(0x02123400, CompactTarget.encode(new BigInteger("1234", 16)));
        assertEquals(new BigInteger("123456", 16), CompactTarget.decode(0x03123456));
        assertEquals(0x03123456, CompactTarget.encode(new BigInteger("123456", 16)));
        assertEquals(new BigInteger("12345600", 16), CompactTarget.decode(0x04123456));
        assertEquals(0x04123456, CompactTarget.encode(new BigInteger("12345600", 16)));
        assertEquals(new BigInteger("92340000", 16), CompactTarget.decode(0x05009234));
        assertEquals(0x05009234, CompactTarget.encode(new BigInteger("92340000", 16)));
        BigInteger big = new BigInteger("1234560000000000000000000000000000000000000000000000000000000000", 16);
        assertEquals(big, CompactTarget.decode(0x20123456));
        assertEquals(0x20123456, CompactTarget.encode(big));
        assertEquals(0x02008000, CompactTarget.encode(new BigInteger("80", 16)));
        // negative and overflowing encodings are not targets
        assertThrows(IllegalArgumentException.class, () -> CompactTarget.decode(0x01fedcba));
        assertThrows(IllegalArgumentException.class, () -> CompactTarget.decode(0x04923456));
        assertThrows(IllegalArgumentException.class, () -> CompactTarget.decode(0xff123456));
    }

    @Test
    void difficultyOfWikiExampleAndDiff1() {
        Target t = Target.fromCompact(0x1b0404cb);
        assertEquals(new BigInteger("00000000000404CB000000000000000000000000000000000000000000000000", 16),
                t.toBigInteger());
        assertEquals(16307.420938523983, t.difficulty(), 1e-9);
        assertEquals(Target.DIFFICULTY_1, Target.fromCompact(0x1d00ffff));
        assertEquals(1.0, Target.fromCompact(0x1d00ffff).difficulty());
        // mainnet vector block 481829 (nbits 0x18013ce9): difficulty 888,171,856,257.32 as explorers show
        assertEquals(888_171_856_257.32, Target.fromCompact(0x18013ce9).difficulty(), 0.01);
    }

    @Test
    void randomCompactRoundTripsAgreeWithBitcoinj() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 20_000; i++) {
            int exponent = 1 + r.nextInt(32);
            int mantissa = r.nextInt(0x800000);
            int nbits = exponent << 24 | mantissa;
            BigInteger ours = CompactTarget.decode(nbits);
            assertEquals(ByteUtils.decodeCompactBits(nbits & 0xffffffffL), ours, Integer.toHexString(nbits));
            if (ours.signum() != 0) { // bitcoinj writes zero as 0x01000000, Core as 0
                assertEquals(ByteUtils.encodeCompactBits(ours), CompactTarget.encode(ours) & 0xffffffffL);
            }
            assertEquals(ours, CompactTarget.decode(CompactTarget.encode(ours)), "decode(encode) is exact");
        }
    }

    @Test
    void comparisonIsExactAtTheBoundary() {
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 5_000; i++) {
            byte[] le = new byte[32];
            for (int j = 0; j < 32; j++) {
                le[j] = (byte) r.nextInt(256);
            }
            le[31] &= 0x7f;
            BigInteger v = new BigInteger(1, Hex.reverse(le));
            Target exact = Target.of(v);
            assertTrue(exact.isMetBy(le), "hash == target meets it");
            assertFalse(Target.of(v.subtract(BigInteger.ONE)).isMetBy(le), "target one below does not");
            assertTrue(Target.of(v.add(BigInteger.ONE)).isMetBy(le));
            assertArrayEquals(le, exact.toLittleEndian());
            assertEquals(exact, Target.fromLittleEndian(le));
        }
    }

    @Test
    void achievedDifficultyWithoutAllocationMatchesBigDecimal() {
        SplittableRandom r = new SplittableRandom(7);
        BigDecimal diff1 = new BigDecimal(Target.DIFFICULTY_1.toBigInteger());
        for (int i = 0; i < 20_000; i++) {
            byte[] le = new byte[32];
            int zeroTop = r.nextInt(32); // leading zero bytes, as share hashes have
            for (int j = 0; j < 32 - zeroTop; j++) {
                le[j] = (byte) r.nextInt(256);
            }
            BigInteger h = new BigInteger(1, Hex.reverse(le));
            if (h.signum() == 0) {
                continue;
            }
            double exact = diff1.divide(new BigDecimal(h), MathContext.DECIMAL128).doubleValue();
            double fast = Difficulty.achievedByFast(le);
            assertEquals(exact, fast, Math.abs(exact) * 1e-15, Hex.encode(le));
            assertEquals(Difficulty.achievedBy(le), fast, Math.abs(exact) * 1e-15);
        }
        assertEquals(Target.DIFFICULTY_1.toBigInteger().doubleValue(), Difficulty.achievedByFast(new byte[32]));
    }

    @Test
    void difficultyToTargetIsFloorOfDiff1OverDifficulty() {
        for (double d : new double[] {0.0001, 0.5, 1, 3, 1024, 65536.5, 1e12}) {
            BigInteger t = Difficulty.of(d).toTarget().toBigInteger();
            BigInteger expected = new BigDecimal(Target.DIFFICULTY_1.toBigInteger()).divide(new BigDecimal(d),
                    0, java.math.RoundingMode.FLOOR).toBigInteger();
            assertEquals(expected, t, "difficulty " + d);
            assertEquals(d, Target.of(t).difficulty(), d * 1e-12);
        }
    }

    @Test
    void bip34HeightPushes() {
        // Core's CScript << height: OP_0, OP_1..OP_16, then minimal little-endian CScriptNum pushes
        assertArrayEquals(Hex.decode("00"), CoinbaseHeight.encodePush(0));
        assertArrayEquals(Hex.decode("51"), CoinbaseHeight.encodePush(1));
        assertArrayEquals(Hex.decode("60"), CoinbaseHeight.encodePush(16));
        assertArrayEquals(Hex.decode("0111"), CoinbaseHeight.encodePush(17));
        assertArrayEquals(Hex.decode("017f"), CoinbaseHeight.encodePush(127));
        assertArrayEquals(Hex.decode("028000"), CoinbaseHeight.encodePush(128));
        assertArrayEquals(Hex.decode("02ff7f"), CoinbaseHeight.encodePush(32767));
        assertArrayEquals(Hex.decode("03008000"), CoinbaseHeight.encodePush(32768));
        // mainnet: BIP34 activation block 227931 and the vector blocks' coinbases
        assertArrayEquals(Hex.decode("035b7a03"), CoinbaseHeight.encodePush(227_931));
        assertArrayEquals(Hex.decode("03b78c05"), CoinbaseHeight.encodePush(363_703));
        assertArrayEquals(Hex.decode("0380da05"), CoinbaseHeight.encodePush(383_616));
        assertArrayEquals(Hex.decode("03255a07"), CoinbaseHeight.encodePush(481_829));
        assertArrayEquals(Hex.decode("03ffff7f"), CoinbaseHeight.encodePush(8_388_607));
        assertArrayEquals(Hex.decode("0400008000"), CoinbaseHeight.encodePush(8_388_608));
        for (int h : new int[] {0, 1, 16, 17, 128, 32768, 227_931, 840_000, 8_388_608}) {
            assertEquals(h, CoinbaseHeight.decode(CoinbaseHeight.encodePush(h)));
        }
    }

    @Test
    void rememberedTargetIsAlwaysTheOneForTheDifficultyAsked() {
        // the last target is remembered across calls (one division per announcement to many sessions):
        // alternating and repeated difficulties must each still get their own exact target
        double[] asked = {1, 1, 0.001, 1, 1e-12, 1e-12, 2048, 0.001, 2048.0000000000005};
        for (double d : asked) {
            Target expected = Difficulty.toTarget(d);
            assertEquals(expected, Difficulty.of(d).toTarget(), "difficulty " + d);
        }
        assertTrue(Difficulty.of(16384).toTarget() == Difficulty.of(16384).toTarget(), "the same difficulty shares one Target");
    }
}
