package org.templar.pool.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JobIdTest {
    @Test
    void aPoolJobIdIsEightLowerCaseHexDigitsOnStratumV1AndAU32OnV2() {
        JobId id = JobId.of(0x2a);
        assertEquals("0000002a", id.toString()); // what TemplateSource's ids always looked like
        assertEquals(0x2a, id.value());
        assertEquals("ffffffff", JobId.of(0xffffffffL).toString());
        assertEquals(id, JobId.parse("0000002a"));
        assertEquals(id.hashCode(), JobId.parse("0000002a").hashCode());
        assertFalse(id.isDeclared());
    }

    @Test
    void roundTripsThroughItsText() {
        for (long v : new long[] {0, 1, 0x7fffffffL, 0x80000000L, 0xdeadbeefL, 0xffffffffL}) {
            assertEquals(JobId.of(v), JobId.parse(JobId.of(v).toString()));
        }
    }

    @Test
    void onlyTheExactTextAMinerWasSentIsAJobId() {
        assertTrue(JobId.is("00c0ffee"));
        for (String text : new String[] {"", "2a", "0000002A", "00000002a", "0000002g", " 0000002a", "-0000002"}) {
            assertFalse(JobId.is(text), text);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobId.parse(text));
            assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
        }
    }

    @Test
    void valuesOutsideU32AreRefused() {
        assertThrows(IllegalArgumentException.class, () -> JobId.of(-1));
        assertThrows(IllegalArgumentException.class, () -> JobId.of(1L << 32));
    }

    @Test
    void aDeclaredJobIsNamedByItsConnection() {
        JobId declared = JobId.declared("sv2-3", 7);
        assertEquals("jd-sv2-3-7", declared.toString()); // the ledger's and share log's form, unchanged
        assertTrue(declared.isDeclared());
        assertEquals(7, declared.value());
        assertNotEquals(JobId.of(7), declared);
        assertNotEquals(JobId.declared("sv2-4", 7), declared);
        assertEquals(JobId.declared("sv2-3", 7), declared);
        assertThrows(IllegalArgumentException.class, () -> JobId.declared("", 7));
        assertThrows(IllegalArgumentException.class, () -> JobId.declared("a b", 7));
    }
}
