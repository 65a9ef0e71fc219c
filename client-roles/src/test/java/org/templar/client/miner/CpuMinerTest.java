package org.templar.client.miner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.client.miner.ScriptedPool.Submission;

/**
 * The miner against a scripted pool on loopback. Every share the miner sends is rebuilt and hashed by the
 * pool with bitcoinj, so "accepted" here means the header really meets the target.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CpuMinerTest {
    /** Share difficulty that a contended CPU core meets several times per second (~86k hashes). */
    private static final double EASY = 0.00002;
    /** mainnet difficulty-1 nbits: no CPU finds a block here, so shares are only shares. */
    private static final int NBITS_DIFF1 = 0x1d00ffff;
    /** regtest's nbits: every share is also a block. */
    private static final int NBITS_REGTEST = 0x207fffff;
    private static final Duration WAIT = Duration.ofSeconds(40);

    private static MinerConfig config(ScriptedPool pool, boolean rolling) {
        return MinerConfig.of(pool.url(), "bcrt1qtestworker.rig1").withThreads(2).withVersionRolling(rolling)
                .withMaxReconnects(5).withStatsInterval(Duration.ofSeconds(1));
    }

    @Test
    void findsSharesThatMeetTheTargetAndCountsThem() throws Exception {
        try (ScriptedPool pool = new ScriptedPool(null, EASY, TestJob.build("j1", NBITS_DIFF1, "/templar-test/"));
                CpuMiner miner = CpuMiner.start(config(pool, false), 14)) {
            List<Submission> shares = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                shares.add(pool.next(WAIT));
            }
            Set<String> headers = new HashSet<>();
            for (Submission s : shares) {
                assertTrue(s.meetsShareTarget(), "share hash " + s.hashHex() + " above the target");
                assertFalse(s.meetsNetworkTarget());
                assertNull(s.versionBits(), "no 6th submit parameter without version rolling");
                assertEquals(2 * TestJob.EN2_SIZE, s.extranonce2().length());
                assertEquals(0x20000000L, s.headerVersion());
                assertTrue(headers.add(s.extranonce2() + "/" + s.nonce()), "same header submitted twice");
            }
            assertTrue(miner.awaitAccepted(6, WAIT));
            MinerStats stats = miner.snapshot();
            assertTrue(stats.accepted() >= 6);
            assertEquals(0, stats.rejected());
            assertEquals(0, stats.blocks());
            assertTrue(stats.hashes() > 6 * 10_000, "hash count " + stats.hashes());
            assertTrue(stats.hashrate() > 0);
            assertTrue(miner.isConnected());
            assertEquals(List.of("1:mining.subscribe", "1:mining.authorize", "1:mining.extranonce.subscribe"),
                    pool.requests.subList(0, 3));
        }
    }

    @Test
    void versionRollingNegotiatesAndRollsOnlyGrantedBits() throws Exception {
        int granted = 0x00ffe000; // narrower than the BIP320 mask the miner asks for
        try (ScriptedPool pool = new ScriptedPool(granted, EASY, TestJob.build("v1", NBITS_DIFF1, "/roll/"));
                CpuMiner miner = CpuMiner.start(config(pool, true), 12)) {
            boolean sawRolledBits = false;
            for (int i = 0; i < 8; i++) {
                Submission s = pool.next(WAIT);
                assertTrue(s.meetsShareTarget(), "rolled-version share must hash below target");
                assertEquals(0, s.versionBits() & ~granted, "bits outside the granted mask: " + s.versionBits());
                assertEquals(0x20000000L, s.headerVersion() & ~granted & 0xffffffffL);
                sawRolledBits |= s.versionBits() != 0;
            }
            assertTrue(sawRolledBits, "with 4096 nonces per version the bits must roll within 8 shares");
            assertEquals("1:mining.configure", pool.requests.get(0));

            // A narrower mask, then a fresh job: shares on it obey the new mask.
            int narrower = 0x00006000;
            pool.setVersionMask(narrower);
            TestJob next = TestJob.build("v2", NBITS_DIFF1, "/roll2/");
            pool.notify(next, true);
            pool.until("v2", WAIT);
            for (int i = 0; i < 4; i++) {
                Submission s = pool.next(WAIT);
                if (s.jobId().equals("v2")) {
                    assertEquals(0, s.versionBits() & ~narrower);
                    assertTrue(s.meetsShareTarget());
                }
            }
            // Only shares already in flight when v2 cancelled v1 may be refused, and only as stale.
            assertTrue(Set.of(21).containsAll(miner.snapshot().rejectedByCode().keySet()),
                    miner.snapshot().rejectedByCode().toString());
        }
    }

    @Test
    void cleanJobsSwitchesWorkAtOnce() throws Exception {
        try (ScriptedPool pool = new ScriptedPool(null, EASY, TestJob.build("a", NBITS_DIFF1, "/a/"));
                CpuMiner miner = CpuMiner.start(config(pool, false), 16)) {
            assertEquals("a", pool.next(WAIT).jobId());
            assertEquals("a", pool.next(WAIT).jobId());
            pool.notify(TestJob.build("b", NBITS_DIFF1, "/bb/"), true);
            pool.until("b", WAIT);
            for (int i = 0; i < 4; i++) {
                Submission s = pool.next(WAIT);
                assertEquals("b", s.jobId(), "a share for the cancelled job after work switched");
                assertTrue(s.meetsShareTarget());
            }
            assertTrue(miner.awaitAccepted(6, WAIT), "2 shares on a and at least 4 on b are accepted");
        }
    }

    @Test
    void newDifficultyAppliesFromTheNextJob() throws Exception {
        double harder = EASY * 5;
        try (ScriptedPool pool = new ScriptedPool(null, EASY, TestJob.build("d1", NBITS_DIFF1, "/d1/"));
                CpuMiner miner = CpuMiner.start(config(pool, false), 16)) {
            pool.next(WAIT);
            pool.setDifficulty(harder);
            // Shares on d1 are still judged (and mined) at the old difficulty: the pool promised that.
            int belowNew = 0;
            for (int i = 0; i < 6; i++) {
                Submission s = pool.next(WAIT);
                assertEquals("d1", s.jobId());
                assertTrue(s.meetsShareTarget());
                if (s.hash().compareTo(TestJob.shareTarget(harder)) > 0) {
                    belowNew++;
                }
            }
            assertTrue(belowNew > 0, "the miner must keep submitting old-difficulty shares for the old job");
            pool.notify(TestJob.build("d2", NBITS_DIFF1, "/d2/"), false);
            List<Submission> seen = pool.until("d2", WAIT);
            Submission first = seen.get(seen.size() - 1);
            assertTrue(first.hash().compareTo(TestJob.shareTarget(harder)) <= 0, "d2 share below the new difficulty");
            Submission second;
            do {
                second = pool.next(WAIT);
            } while (!second.jobId().equals("d2"));
            assertTrue(second.hash().compareTo(TestJob.shareTarget(harder)) <= 0);
            assertEquals(harder, second.jobDifficulty());
            assertTrue(miner.awaitAccepted(8, WAIT), "the last answers may still be in flight: " + miner.snapshot());
            assertEquals(0, miner.snapshot().rejected());
        }
    }

    @Test
    void countsBlocksRejectsByCodeAndStopsAtMaxBlocks() throws Exception {
        try (ScriptedPool pool = new ScriptedPool(null, EASY, TestJob.build("blk", NBITS_REGTEST, "/blk/"))) {
            // The first share is refused as low difficulty although it is fine: a refused block is no block.
            pool.judge = s -> pool.submissions.isEmpty() ? Integer.valueOf(23) : null;
            MinerConfig cfg = config(pool, false).withLimits(2, 0, Duration.ZERO);
            try (CpuMiner miner = CpuMiner.start(cfg, 16)) {
                MinerStats last = miner.termination().get(60, TimeUnit.SECONDS);
                assertEquals(2, last.blocks());
                assertEquals(1, last.rejected());
                assertEquals(Map.of(23, 1L), last.rejectedByCode());
                assertTrue(last.lastBlockHash().isPresent());
                List<Submission> all = new ArrayList<>(pool.submissions);
                assertTrue(all.size() >= 3);
                for (Submission s : all) {
                    assertTrue(s.meetsNetworkTarget(), "hash above the nbits target");
                    assertTrue(s.block().getHash().toBigInteger().compareTo(s.block().getDifficultyTargetAsInteger()) <= 0);
                }
                assertTrue(all.stream().skip(1).anyMatch(s -> s.hashHex().equals(last.lastBlockHash().get())),
                        "last block hash " + last.lastBlockHash().get() + " not among accepted submissions");
                assertFalse(miner.isConnected());
            }
        }
    }

    @Test
    void reconnectsAfterThePoolDropsTheConnection() throws Exception {
        try (ScriptedPool pool = new ScriptedPool(null, EASY, TestJob.build("r1", NBITS_DIFF1, "/r/"));
                CpuMiner miner = CpuMiner.start(config(pool, false), 16)) {
            Submission first = pool.next(WAIT);
            assertEquals(1, first.connection());
            pool.dropConnections();
            Submission afterDrop;
            do {
                afterDrop = pool.next(WAIT);
            } while (afterDrop.connection() == 1);
            assertEquals(2, afterDrop.connection());
            assertTrue(pool.requests.contains("2:mining.subscribe"));
            assertEquals("s1", pool.subscribeParams.get(1).get(1).asText(), "the miner asks to resume session s1");
            assertTrue(afterDrop.meetsShareTarget(), "share on the new connection's extranonce1 must verify");
            assertTrue(miner.awaitAccepted(2, WAIT));
        }
    }

    @Test
    void followsClientReconnectToAnotherPool() throws Exception {
        try (ScriptedPool first = new ScriptedPool(null, EASY, TestJob.build("x1", NBITS_DIFF1, "/x/"));
                ScriptedPool second = new ScriptedPool(null, EASY, TestJob.build("y1", NBITS_DIFF1, "/y/"));
                CpuMiner miner = CpuMiner.start(config(first, false), 16)) {
            first.next(WAIT);
            first.showMessage("maintenance: moving you\u0007");
            first.reconnect("127.0.0.1", second.port(), 0);
            Submission s = second.next(WAIT);
            assertEquals("y1", s.jobId());
            assertTrue(s.meetsShareTarget());
            assertEquals(1, second.connections());
            assertEquals(1, first.connections());
            // The first connection is closed by now, so its count is final. Waiting for one more accepted
            // share than it answered means the miner has read an answer from the second pool, which
            // answered the authorize first: only then is the miner "connected" (authorized) there.
            assertTrue(miner.awaitAccepted(first.acceptedShares.get() + 1, WAIT));
            assertTrue(miner.isConnected());
        }
    }

    @Test
    void refusedCredentialsStopTheMinerWithAReason() throws Exception {
        try (ScriptedPool pool = new ScriptedPool(null, EASY, TestJob.build("n", NBITS_DIFF1, "/n/"))) {
            pool.refuseAuthorize = true;
            try (CpuMiner miner = CpuMiner.start(config(pool, false), 16)) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> miner.termination().get(30, TimeUnit.SECONDS));
                assertTrue(e.getCause().getMessage().contains("bcrt1qtestworker.rig1"), e.getCause().getMessage());
            }
        }
    }

    @Test
    void givesUpAfterBoundedReconnectAttempts() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        MinerConfig cfg = MinerConfig.of("stratum+tcp://127.0.0.1:" + port, "someone").withThreads(1)
                .withMaxReconnects(2);
        try (CpuMiner miner = CpuMiner.start(cfg, 16)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> miner.termination().get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("gave up"), e.getCause().getMessage());
            assertEquals(0, miner.snapshot().accepted());
        }
    }

    @Test
    void stopsByItselfAtMaxSharesAndAtMaxDuration() throws Exception {
        try (ScriptedPool pool = new ScriptedPool(null, EASY, TestJob.build("m", NBITS_DIFF1, "/m/"))) {
            try (CpuMiner miner = CpuMiner.start(config(pool, false).withLimits(0, 3, Duration.ZERO), 16)) {
                MinerStats last = miner.termination().get(60, TimeUnit.SECONDS);
                assertTrue(last.accepted() >= 3);
                assertFalse(miner.awaitAccepted(1_000, Duration.ofMinutes(1)), "a stopped miner does not keep waiters");
            }
            long t0 = System.nanoTime();
            try (CpuMiner miner = CpuMiner.start(config(pool, false).withLimits(0, 0, Duration.ofSeconds(2)), 16)) {
                MinerStats last = miner.termination().get(30, TimeUnit.SECONDS);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(ms >= 1_900 && ms < 20_000, "stopped after " + ms + " ms");
                assertTrue(last.hashes() > 0);
                assertTrue(last.uptime().toMillis() >= 1_900);
            }
        }
    }

    @Test
    void survivesGarbageAndDropsOversizedLines() throws Exception {
        try (ScriptedPool pool = new ScriptedPool(null, EASY, TestJob.build("g", NBITS_DIFF1, "/g/"));
                CpuMiner miner = CpuMiner.start(config(pool, false), 16)) {
            pool.next(WAIT);
            pool.sendRaw("this is not json");
            pool.sendRaw("{\"id\":null,\"method\":\"mining.notify\",\"params\":[1,2,3]}");
            pool.sendRaw("[]");
            pool.submissions.clear();
            Submission s = pool.next(WAIT);
            assertEquals(1, s.connection(), "garbage is ignored, the connection and the work go on");
            assertEquals(1, pool.connections());
            pool.sendRaw("{\"id\":null,\"method\":\"client.show_message\",\"params\":[\"" + "x".repeat(CpuMiner.MAX_LINE)
                    + "\"]}");
            Submission after;
            do {
                after = pool.next(WAIT);
            } while (after.connection() == 1);
            assertEquals(2, after.connection(), "an oversized line costs the connection, then the miner comes back");
            assertTrue(after.meetsShareTarget());
            assertTrue(pool.problems.isEmpty(), pool.problems.toString());
            assertTrue(miner.awaitAccepted(3, WAIT));
        }
    }

    @Test
    void configRefusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> MinerConfig.of("http://127.0.0.1:3333", "u"));
        assertThrows(IllegalArgumentException.class, () -> MinerConfig.of("stratum+tcp://127.0.0.1", "u"));
        assertThrows(IllegalArgumentException.class, () -> MinerConfig.of("stratum+tcp://h:1", "").withThreads(1));
        assertThrows(IllegalArgumentException.class, () -> MinerConfig.of("stratum+tcp://h:1", "u").withThreads(0));
        assertThrows(IllegalArgumentException.class,
                () -> MinerConfig.of("stratum+tcp://h:1", "u").withSuggestDifficulty(Optional.of(-1.0)));
        StratumEndpoint e = MinerConfig.of("stratum+tcp://127.0.0.1:3333", "u").endpoint();
        assertEquals(new StratumEndpoint("127.0.0.1", 3333), e);
        assertEquals(new StratumEndpoint("pool.example", 3333), StratumEndpoint.parse("pool.example:3333"));
        assertNotEquals(0, MinerConfig.of("stratum+tcp://h:1", "u").threads());
    }
}
