package org.templar.share;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExtranoncePrefixTest {
    @Test
    void equalByContentAndImmuneToTheCallersArray() {
        byte[] raw = {0x0a, 0x0b, 0x0c, 0x0d};
        ExtranoncePrefix p = ExtranoncePrefix.of(raw);
        raw[0] = 0;
        assertEquals(ExtranoncePrefix.parse("0a0b0c0d"), p);
        assertEquals(ExtranoncePrefix.parse("0A0B0C0D").hashCode(), p.hashCode());
        assertEquals(ExtranoncePrefix.ofInt(0x0a0b0c0d), p);
        assertNotEquals(ExtranoncePrefix.parse("0a0b0c"), p);
        byte[] out = p.toByteArray();
        out[0] = 0;
        assertEquals("0a0b0c0d", p.toString());
        assertEquals(4, p.size());
        assertEquals(0x0a0b0c0d, p.toInt());
    }

    @Test
    void roundTripsThroughHexAndInt() {
        SplittableRandom r = new SplittableRandom(8);
        for (int n = 0; n <= ExtranoncePrefix.MAX_SIZE; n++) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                b[i] = (byte) r.nextInt(256);
            }
            ExtranoncePrefix p = ExtranoncePrefix.of(b);
            assertEquals(p, ExtranoncePrefix.parse(p.toHex()));
            assertArrayEquals(b, p.toByteArray());
        }
        int v = r.nextInt();
        assertEquals(v, ExtranoncePrefix.ofInt(v).toInt());
    }

    @Test
    void emptyIsAllowed() {
        assertSame(ExtranoncePrefix.EMPTY, ExtranoncePrefix.of(new byte[0]));
        assertSame(ExtranoncePrefix.EMPTY, ExtranoncePrefix.parse(""));
        assertEquals(0, ExtranoncePrefix.EMPTY.size());
        assertEquals("", ExtranoncePrefix.EMPTY.toString());
        assertArrayEquals(new byte[] {7, 8}, ExtranoncePrefix.EMPTY.concat(new byte[] {7, 8}));
    }

    @Test
    void malformedTextAndOversizedPrefixesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ExtranoncePrefix.parse("abc"));
        assertThrows(IllegalArgumentException.class, () -> ExtranoncePrefix.parse("zz"));
        assertThrows(IllegalArgumentException.class, () -> ExtranoncePrefix.parse("00".repeat(33)));
        assertThrows(IllegalArgumentException.class, () -> ExtranoncePrefix.of(new byte[33]));
        assertThrows(IllegalStateException.class, () -> ExtranoncePrefix.parse("0102").toInt());
    }

    @Test
    void writesInPlaceAndPadsAndConcatenates() {
        ExtranoncePrefix p = ExtranoncePrefix.parse("a1b2");
        byte[] dst = new byte[5];
        p.writeTo(dst, 2);
        assertArrayEquals(new byte[] {0, 0, (byte) 0xa1, (byte) 0xb2, 0}, dst);
        assertEquals(ExtranoncePrefix.parse("a1b2000000"), p.padded(3));
        assertSame(p, p.padded(0));
        assertArrayEquals(new byte[] {(byte) 0xa1, (byte) 0xb2, 9}, p.concat(new byte[] {9}));
    }

    @Test
    void theHasherReadsAPrefixAsItReadsTheBytes() {
        JobWork job = ShareHasherTest.job(new SplittableRandom(3), 0x207fffff, 2);
        byte[] en1 = {1, 2, 3, 4};
        byte[] en2 = {5, 6, 7, 8};
        byte[] viaBytes = new ShareHasher().check(job, en1, en2, 0x60000000, 42, 0x20000000).hashCopy();
        byte[] viaPrefix = new ShareHasher().check(job, ExtranoncePrefix.of(en1), en2, 0x60000000, 42, 0x20000000)
                .hashCopy();
        assertArrayEquals(viaBytes, viaPrefix);
        assertArrayEquals(job.coinbase(en1, en2), job.coinbase(ExtranoncePrefix.of(en1), en2));
    }
}
