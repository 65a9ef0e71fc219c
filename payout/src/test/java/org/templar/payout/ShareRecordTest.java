package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class ShareRecordTest {
    private static final String HASH = "00000000000000000001a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";

    private static ShareRecord withWorker(String worker) {
        return ShareRecord.of(worker, "j1", "c1", 1, 2, HASH, false, ShareRecord.SOLO, Instant.EPOCH);
    }

    @Test
    void splitsWorkerAtFirstDot() {
        ShareRecord r = withWorker("alice.rig1.left");
        assertEquals("alice", r.user());
        assertEquals("rig1.left", r.workerName());
        ShareRecord solo = withWorker("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080");
        assertEquals("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", solo.user());
        assertEquals("", solo.workerName());
    }

    @Test
    void normalizesHashAndTime() {
        ShareRecord r = ShareRecord.of("a", "j", "c", 1, 1, HASH.toUpperCase(), true, ShareRecord.POOL,
                Instant.parse("2026-01-01T00:00:00.123456789Z"));
        assertEquals(HASH, r.shareHash());
        assertEquals(Instant.parse("2026-01-01T00:00:00.123456Z"), r.time());
    }

    @Test
    void refusesWhatTheDatabaseWouldRefuse() {
        Instant t = Instant.EPOCH;
        assertThrows(IllegalArgumentException.class, () -> withWorker(""));
        assertThrows(IllegalArgumentException.class, () -> withWorker(".rig"));
        assertThrows(IllegalArgumentException.class, () -> withWorker("a".repeat(257)));
        assertThrows(IllegalArgumentException.class,
                () -> new ShareRecord("alice.rig", "bob", "rig", "j", "c", 1, 1, HASH, false, "pool", t));
        assertThrows(IllegalArgumentException.class,
                () -> ShareRecord.of("a", "", "c", 1, 1, HASH, false, "pool", t));
        assertThrows(IllegalArgumentException.class,
                () -> ShareRecord.of("a", "j", "c".repeat(65), 1, 1, HASH, false, "pool", t));
        assertThrows(IllegalArgumentException.class,
                () -> ShareRecord.of("a", "j", "c", 0, 1, HASH, false, "pool", t));
        assertThrows(IllegalArgumentException.class,
                () -> ShareRecord.of("a", "j", "c", Double.NaN, 1, HASH, false, "pool", t));
        assertThrows(IllegalArgumentException.class,
                () -> ShareRecord.of("a", "j", "c", 1, Double.POSITIVE_INFINITY, HASH, false, "pool", t));
        assertThrows(IllegalArgumentException.class,
                () -> ShareRecord.of("a", "j", "c", 1, -3, HASH, false, "pool", t));
        assertThrows(IllegalArgumentException.class,
                () -> ShareRecord.of("a", "j", "c", 1, 1, HASH.substring(2), false, "pool", t));
        assertThrows(IllegalArgumentException.class,
                () -> ShareRecord.of("a", "j", "c", 1, 1, "zz" + HASH.substring(2), false, "pool", t));
        assertThrows(IllegalArgumentException.class,
                () -> ShareRecord.of("a", "j", "c", 1, 1, HASH, false, "pps", t));
        assertThrows(NullPointerException.class,
                () -> ShareRecord.of("a", "j", "c", 1, 1, HASH, false, "pool", null));
    }

    @Test
    void blockRecordValidates() {
        BlockRecord b = BlockRecord.candidate(101, HASH.toUpperCase(), "alice.rig1", 5_000_000_000L, "bcrt1qxyz", Instant.EPOCH);
        assertEquals(HASH, b.hash());
        assertEquals("alice", b.user());
        assertEquals(BlockStatus.CANDIDATE, b.status());
        assertThrows(IllegalArgumentException.class,
                () -> BlockRecord.candidate(-1, HASH, "alice", 1, "addr", Instant.EPOCH));
        assertThrows(IllegalArgumentException.class,
                () -> BlockRecord.candidate(1, HASH, "alice", -1, "addr", Instant.EPOCH));
        assertThrows(IllegalArgumentException.class,
                () -> BlockRecord.candidate(1, "abc", "alice", 1, "addr", Instant.EPOCH));
        assertThrows(IllegalArgumentException.class,
                () -> BlockRecord.candidate(1, HASH, "alice", 1, "", Instant.EPOCH));
    }

    @Test
    void blockStatusMoves() {
        assertTrue(BlockStatus.CANDIDATE.canMoveTo(BlockStatus.SUBMITTED));
        assertTrue(BlockStatus.SUBMITTED.canMoveTo(BlockStatus.REJECTED));
        assertTrue(BlockStatus.REJECTED.canMoveTo(BlockStatus.ACCEPTED));
        assertTrue(BlockStatus.SUBMITTED.canMoveTo(BlockStatus.STALE), "inconclusive: another block won the height");
        assertTrue(BlockStatus.STALE.canMoveTo(BlockStatus.ACCEPTED), "its branch may still win");
        assertTrue(BlockStatus.STALE.canMoveTo(BlockStatus.ORPHANED), "or the other branch wins");
        assertTrue(BlockStatus.SUBMITTED.canMoveTo(BlockStatus.ORPHANED), "accepted and reorganised away before we heard");
        assertTrue(BlockStatus.ACCEPTED.canMoveTo(BlockStatus.STALE), "a reorganisation takes it off the best chain");
        assertTrue(BlockStatus.ACCEPTED.canMoveTo(BlockStatus.MATURE));
        assertTrue(BlockStatus.MATURE.canMoveTo(BlockStatus.ORPHANED), "a reorganisation deeper than maturity");
        assertTrue(BlockStatus.ORPHANED.canMoveTo(BlockStatus.ACCEPTED), "a reorganisation brings it back");
        assertFalse(BlockStatus.ORPHANED.canMoveTo(BlockStatus.STALE));
        assertTrue(BlockStatus.MATURE.canMoveTo(BlockStatus.STALE), "off the best chain; its branch may come back");
        assertFalse(BlockStatus.MATURE.canMoveTo(BlockStatus.ACCEPTED));
        assertFalse(BlockStatus.ACCEPTED.canMoveTo(BlockStatus.CANDIDATE));
    }

    @Test
    void revenueWeightAndTemplateSource() {
        ShareRecord pool = ShareRecord.of("a.r", "j", "c", 1, 1, HASH, false, ShareRecord.POOL, Instant.EPOCH);
        assertEquals(1.0, pool.revenueWeight());
        assertEquals(ShareRecord.SOURCE_POOL, pool.templateSource());
        ShareRecord declared = pool.withTemplate(0.6, ShareRecord.SOURCE_JD_FULL);
        assertEquals(0.6, declared.revenueWeight());
        assertEquals(ShareRecord.SOURCE_JD_FULL, declared.templateSource());
        assertEquals(pool.shareHash(), declared.shareHash());
        // a weight outside (0, 1] would credit work nobody did, or none at all
        assertThrows(IllegalArgumentException.class, () -> pool.withTemplate(0, ShareRecord.SOURCE_JD_FULL));
        assertThrows(IllegalArgumentException.class, () -> pool.withTemplate(1.01, ShareRecord.SOURCE_JD_FULL));
        assertThrows(IllegalArgumentException.class, () -> pool.withTemplate(Double.NaN, ShareRecord.SOURCE_JD_FULL));
        assertThrows(IllegalArgumentException.class, () -> pool.withTemplate(0.5, "x".repeat(17)));
    }
}
