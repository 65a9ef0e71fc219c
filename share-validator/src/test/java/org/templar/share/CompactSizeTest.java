package org.templar.share;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** CompactSize at each width's edges, as Bitcoin Core's serialize.h writes them. */
class CompactSizeTest {

    private static String hex(long n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompactSize.write(out, n);
        assertEquals(CompactSize.size(n), out.size(), "size() agrees with write() for " + n);
        return Hex.encode(out.toByteArray());
    }

    @Test
    void everyWidthAtItsEdges() {
        assertEquals("00", hex(0));
        assertEquals("fc", hex(0xfc));
        assertEquals("fdfd00", hex(0xfd));
        assertEquals("fdffff", hex(0xffff));
        assertEquals("fe00000100", hex(0x10000));
        assertEquals("feffffffff", hex(0xffff_ffffL));
        assertEquals("ff0000000001000000", hex(0x1_0000_0000L));
        assertThrows(IllegalArgumentException.class, () -> hex(-1));
    }
}
