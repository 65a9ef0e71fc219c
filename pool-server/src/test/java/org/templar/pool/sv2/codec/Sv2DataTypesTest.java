package org.templar.pool.sv2.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.share.Hex;

/** The data types of 03-Protocol-Overview.md section 3.1, field by field. */
@Timeout(30)
class Sv2DataTypesTest {

    private static byte[] write(Consumer<Sv2Writer> w) {
        ByteBuf buf = Unpooled.buffer();
        try {
            w.accept(new Sv2Writer(buf));
            byte[] out = new byte[buf.readableBytes()];
            buf.readBytes(out);
            return out;
        } finally {
            buf.release();
        }
    }

    /** Reads {@code bytes} and insists every byte was consumed. */
    private static <T> T read(byte[] bytes, Function<Sv2Reader, T> f) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            Sv2Reader r = new Sv2Reader(buf);
            T v = f.apply(r);
            assertEquals(0, r.remaining(), "unconsumed bytes");
            return v;
        } finally {
            buf.release();
        }
    }

    private static Sv2CodecException refused(byte[] bytes, Function<Sv2Reader, ?> f) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return assertThrows(Sv2CodecException.class, () -> f.apply(new Sv2Reader(buf)));
        } finally {
            buf.release();
        }
    }

    @Test
    void integersAreLittleEndianAndUnsigned() {
        assertEquals("3412", Hex.encode(write(w -> w.u16(0x1234))));
        assertEquals("563412", Hex.encode(write(w -> w.u24(0x123456))));
        assertEquals("78563412", Hex.encode(write(w -> w.u32(0x12345678L))));
        assertEquals("efcdab8967452301", Hex.encode(write(w -> w.u64(0x0123456789abcdefL))));
        assertEquals(0xff, (int) read(Hex.decode("ff"), r -> r.u8("x")));
        assertEquals(0xffff, (int) read(Hex.decode("ffff"), r -> r.u16("x")));
        assertEquals(0xffffff, (int) read(Hex.decode("ffffff"), r -> r.u24("x")));
        assertEquals(0xffffffffL, (long) read(Hex.decode("ffffffff"), r -> r.u32("x")));
        assertEquals(-1L, (long) read(Hex.decode("ffffffffffffffff"), r -> r.u64("x")));
        assertEquals("18446744073709551615", Long.toUnsignedString(-1L));
    }

    @Test
    void writerRefusesValuesOutsideTheTypeRange() {
        assertThrows(Sv2CodecException.class, () -> write(w -> w.u8(256)));
        assertThrows(Sv2CodecException.class, () -> write(w -> w.u16(65536)));
        assertThrows(Sv2CodecException.class, () -> write(w -> w.u24(1 << 24)));
        assertThrows(Sv2CodecException.class, () -> write(w -> w.u32(1L << 32)));
        assertThrows(Sv2CodecException.class, () -> write(w -> w.u32(-1)));
    }

    @Test
    void boolReadsOnlyTheLeastSignificantBit() {
        // Spec 3.1: recipients MUST NOT interpret bits outside the least significant bit.
        assertTrue((boolean) read(new byte[] {1}, r -> r.bool("b")));
        assertFalse((boolean) read(new byte[] {0}, r -> r.bool("b")));
        assertFalse((boolean) read(new byte[] {(byte) 0xfe}, r -> r.bool("b")));
        assertTrue((boolean) read(new byte[] {(byte) 0x81}, r -> r.bool("b")));
        assertArrayEquals(new byte[] {1}, write(w -> w.bool(true)));
    }

    @Test
    void f32IsIeee754LittleEndian() {
        // 1.0f = 0x3f800000
        assertEquals("0000803f", Hex.encode(write(w -> w.f32(1.0f))));
        assertEquals(1.0e12f, (float) read(write(w -> w.f32(1.0e12f)), r -> r.f32("x")));
        assertTrue(Float.isNaN((float) read(write(w -> w.f32(Float.NaN)), r -> r.f32("x"))));
    }

    @Test
    void u256PubkeyAndSignatureAreRawFixedBytes() {
        byte[] le = Sv2Samples.bytes(32, 7).toArray();
        assertArrayEquals(le, write(w -> w.u256(U256.of(le))));
        assertEquals(U256.of(le), read(le, r -> r.u256("x")));
        assertEquals(Sv2Samples.bytes(32, 1), read(Sv2Samples.bytes(32, 1).toArray(), r -> r.pubkey("k")));
        assertEquals(Sv2Samples.bytes(64, 1), read(Sv2Samples.bytes(64, 1).toArray(), r -> r.signature("s")));
        assertThrows(Sv2CodecException.class, () -> write(w -> w.pubkey(Sv2Samples.bytes(33, 0))));
        assertThrows(Sv2CodecException.class, () -> write(w -> w.signature(Sv2Samples.bytes(63, 0))));
        refused(new byte[31], r -> r.u256("prev_hash"));
        refused(new byte[63], r -> r.signature("sig"));
    }

    @Test
    void str0_255KeepsArbitraryBytesAndAcceptsBothLimits() {
        assertArrayEquals(new byte[] {0}, write(w -> w.str0_255(Str0255.EMPTY)));
        assertEquals(Str0255.EMPTY, read(new byte[] {0}, r -> r.str0_255("s")));
        byte[] max = new byte[256];
        max[0] = (byte) 255;
        for (int i = 1; i < max.length; i++) {
            max[i] = (byte) (0x80 + i); // not valid UTF-8: the spec's STR0_255 is a byte string
        }
        Str0255 s = read(max, r -> r.str0_255("s"));
        assertEquals(255, s.bytes().length());
        assertArrayEquals(max, write(w -> w.str0_255(s)));
        assertEquals("Wörker", Str0255.of("Wörker").text());
        assertEquals(7, Str0255.of("Wörker").bytes().length());
        assertArrayEquals("Wörker".getBytes(StandardCharsets.UTF_8), Str0255.of("Wörker").bytes().toArray());
    }

    @Test
    void byteArraysAcceptEmptyAndMaximumAndRefuseLongerPrefixes() {
        for (int len : new int[] {0, 32}) {
            byte[] wire = write(w -> w.b0_32(Sv2Samples.bytes(len, 1)));
            assertEquals(1 + len, wire.length);
            assertEquals(Sv2Samples.bytes(len, 1), read(wire, r -> r.b0_32("x")));
        }
        // A B0_32 whose length byte says 33, even with 33 bytes present, exceeds the type maximum.
        byte[] b33 = new byte[34];
        b33[0] = 33;
        assertTrue(refused(b33, r -> r.b0_32("extranonce")).getMessage().contains("maximum is 32"));
        assertThrows(Sv2CodecException.class, () -> write(w -> w.b0_32(Sv2Samples.bytes(33, 0))));

        byte[] b255 = write(w -> w.b0_255(Sv2Samples.bytes(255, 2)));
        assertEquals(256, b255.length);
        assertEquals(Sv2Samples.bytes(255, 2), read(b255, r -> r.b0_255("x")));
        assertThrows(Sv2CodecException.class, () -> write(w -> w.b0_255(Sv2Samples.bytes(256, 0))));

        byte[] b64k = write(w -> w.b0_64k(Sv2Samples.bytes(65535, 3)));
        assertEquals(2 + 65535, b64k.length);
        assertEquals(Sv2Samples.bytes(65535, 3), read(b64k, r -> r.b0_64k("x")));
        assertThrows(Sv2CodecException.class, () -> write(w -> w.b0_64k(Sv2Samples.bytes(65536, 0))));

        byte[] b16m = write(w -> w.b0_16m(Sv2Samples.bytes(0xffffff, 4)));
        assertEquals(3 + 0xffffff, b16m.length);
        assertEquals(0xffffff, (int) read(b16m, r -> r.b0_16m("x")).length());
        assertThrows(Sv2CodecException.class, () -> write(w -> w.b0_16m(Sv2Samples.bytes(0x1000000, 0))));
    }

    @Test
    void lengthPrefixesLongerThanTheRemainingBytesAreTruncationNotIndexErrors() {
        assertTrue(refused(Hex.decode("05aabb"), r -> r.b0_32("extranonce")).getMessage().contains("extranonce"));
        refused(Hex.decode("ffff00"), r -> r.b0_64k("coinbase_tx_prefix"));
        // Declares 16 MB with 2 bytes behind it: refused without allocating the 16 MB.
        refused(Hex.decode("ffffff0102"), r -> r.b0_16m("transaction"));
        refused(Hex.decode("03616263"), r -> r.u32("x") + r.str0_255("s").text());
        refused(new byte[0], r -> r.u8("x"));
        refused(new byte[1], r -> r.u16("x"));
        refused(new byte[2], r -> r.u24("x"));
        refused(new byte[3], r -> r.u32("x"));
        refused(new byte[7], r -> r.u64("x"));
        refused(new byte[3], r -> r.f32("x"));
        refused(new byte[0], r -> r.bool("x"));
    }

    @Test
    void sequencesAtTheirLimits() {
        List<U256> path255 = Sv2Samples.hashes(255);
        byte[] wire = write(w -> w.seq0_255(path255, Sv2Writer::u256));
        assertEquals(1 + 255 * 32, wire.length);
        assertEquals(path255, read(wire, r -> r.seq0_255("merkle_path", Sv2Reader::u256)));
        assertThrows(Sv2CodecException.class, () -> write(w -> w.seq0_255(Sv2Samples.hashes(256), Sv2Writer::u256)));

        List<U256> wtxids256 = Sv2Samples.hashes(256);
        byte[] wire64k = write(w -> w.seq0_64k(wtxids256, Sv2Writer::u256));
        assertEquals("0001", Hex.encode(wire64k, 0, 2));
        assertEquals(wtxids256, read(wire64k, r -> r.seq0_64k("wtxid_list", Sv2Reader::u256)));

        List<Integer> u16s = IntStream.range(0, 65535).boxed().toList();
        byte[] wireU16 = write(w -> w.seq0_64k(u16s, Sv2Writer::u16));
        assertEquals(2 + 2 * 65535, wireU16.length);
        assertEquals(u16s, read(wireU16, r -> r.seq0_64k("positions", Sv2Reader::u16)));
        assertThrows(Sv2CodecException.class, () -> write(w -> w.seq0_64k(
                IntStream.range(0, 65536).boxed().toList(), Sv2Writer::u16)));

        List<Bytes> txs = List.of(Bytes.EMPTY, Sv2Samples.bytes(300, 1));
        assertEquals(txs, read(write(w -> w.seq0_64k(txs, Sv2Writer::b0_16m)),
                r -> r.seq0_64k("transaction_list", Sv2Reader::b0_16m)));
    }

    @Test
    void sequenceCountsBeyondTheRemainingBytesAreRefusedBeforeAllocating() {
        // 255 U256 announced, only one present.
        byte[] shortPath = new byte[1 + 32];
        shortPath[0] = (byte) 255;
        refused(shortPath, r -> r.seq0_255("merkle_path", Sv2Reader::u256));
        // 65535 elements announced in a 2-byte message.
        refused(Hex.decode("ffff"), r -> r.seq0_64k("channel_ids", Sv2Reader::u32));
    }

    @Test
    void optionIsASequenceOfAtMostOne() {
        assertArrayEquals(new byte[] {0}, write(w -> w.optionU32(OptionalLong.empty())));
        assertEquals("0178563412", Hex.encode(write(w -> w.optionU32(OptionalLong.of(0x12345678L)))));
        assertEquals(OptionalLong.of(0x12345678L), read(Hex.decode("0178563412"), r -> r.optionU32("min_ntime")));
        assertEquals(OptionalLong.empty(), read(Hex.decode("00"), r -> r.optionU32("min_ntime")));
        assertTrue(refused(Hex.decode("020000000000000000"), r -> r.optionU32("min_ntime")).getMessage()
                .contains("0 or 1"));
        refused(Hex.decode("01aabb"), r -> r.optionU32("min_ntime"));
        assertEquals(Optional.of(U256.ZERO), read(write(w -> w.option(Optional.of(U256.ZERO), Sv2Writer::u256)),
                r -> r.option("o", Sv2Reader::u256)));
        refused(Hex.decode("02"), r -> r.option("o", Sv2Reader::u256));
    }
}
