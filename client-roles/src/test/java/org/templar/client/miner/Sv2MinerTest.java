package org.templar.client.miner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.client.miner.Sv2ScriptedPool.Submission;
import org.templar.pool.sv2.codec.Sv2Common.SetupConnection;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.noise.AuthorityKeyPair;

/**
 * {@code templar mine} over Stratum V2 against {@link Sv2ScriptedPool}: a real Netty server with the Noise
 * responder and SV2 codec, which checks every share with bitcoinj, so "accepted" means the header really
 * meets the channel's target.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Sv2MinerTest {
    /** Share difficulty a contended CPU core meets several times per second (~86k hashes per share). */
    private static final double EASY = 0.00002;
    /** Network target 2^238: roughly one share in thirteen is also a block. */
    private static final int NBITS_SOME_BLOCKS = 0x1e400000;
    /** mainnet difficulty-1 nbits: no CPU finds a block here. */
    private static final int NBITS_DIFF1 = 0x1d00ffff;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static MinerConfig config(Sv2ScriptedPool pool, ChannelType type) {
        return MinerConfig.of(pool.url(), "bcrt1qtestworker.rig1").withThreads(2).withChannelType(type)
                .withMaxReconnects(3).withStatsInterval(Duration.ofSeconds(1));
    }

    private static Submission next(Sv2ScriptedPool pool) throws InterruptedException {
        Submission s = pool.submissions.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(s, "no share within " + WAIT);
        return s;
    }

    @Test
    void extendedChannelMinesVerifiedSharesAndBlocks() throws Exception {
        TestJob job = TestJob.build("x", NBITS_SOME_BLOCKS, "/sv2-ext/");
        try (Sv2ScriptedPool pool = new Sv2ScriptedPool(job, TestJob.shareTarget(EASY));
                CpuMiner miner = CpuMiner.start(config(pool, ChannelType.EXTENDED).withVersionRolling(false), 14)) {
            assertTrue(miner.awaitBlocks(2, WAIT), "two blocks acknowledged; stats " + miner.snapshot());
            assertTrue(miner.isConnected());
            miner.close();
            MinerStats stats = miner.snapshot();

            SetupConnection setup = pool.setups.get(0);
            assertEquals(0, setup.protocol(), "mining protocol");
            assertEquals(2, setup.minVersion());
            assertEquals(0, setup.flags() & SetupConnection.REQUIRES_STANDARD_JOBS, "extended jobs are welcome");
            assertTrue(pool.opens.get(0) instanceof Sv2Mining.OpenExtendedMiningChannel open
                    && open.userIdentity().text().equals("bcrt1qtestworker.rig1") && open.minExtranonceSize() >= 1);

            List<Submission> all = new ArrayList<>(pool.submissions);
            assertTrue(all.size() >= 2);
            Set<String> headers = new HashSet<>();
            Set<String> extranonces = new HashSet<>();
            for (Submission s : all) {
                assertTrue(s.extended(), "an extended channel submits SubmitSharesExtended");
                assertTrue(s.meetsShareTarget(), "share hash above the channel target: " + s);
                assertEquals(TestJob.build("x", NBITS_SOME_BLOCKS, "/sv2-ext/").version(), s.version(),
                        "without version rolling the job's version is used as is");
                assertEquals(2 * Sv2ScriptedPool.EXTENDED_SIZE, s.extranonce().length());
                assertTrue(headers.add(s.extranonce() + "/" + s.nonce() + "/" + s.version()), "header submitted twice");
                extranonces.add(s.extranonce());
            }
            // Without version bits to roll, a 2^14 nonce range per roll moves the threads through their own
            // extranonces.
            assertTrue(extranonces.size() > 1, "extranonce never rolled: " + extranonces);
            long blocksSeen = all.stream().filter(Submission::meetsNetworkTarget).count();
            assertTrue(blocksSeen >= 2);
            assertTrue(pool.problems.isEmpty(), pool.problems.toString());
            // Everything the miner counts, the pool acknowledged (a late ack may be lost to close, never invented).
            assertTrue(stats.accepted() >= 2 && stats.accepted() <= pool.acknowledged.get(),
                    stats.accepted() + " vs " + pool.acknowledged.get());
            assertTrue(stats.blocks() >= 2 && stats.blocks() <= pool.acknowledgedBlocks.get());
            assertEquals(0, stats.rejected());
        }
    }

    @Test
    void standardChannelMinesHeaderOnlyWithRolledVersions() throws Exception {
        TestJob job = TestJob.build("s", NBITS_SOME_BLOCKS, "/sv2-std/");
        try (Sv2ScriptedPool pool = new Sv2ScriptedPool(job, TestJob.shareTarget(EASY));
                CpuMiner miner = CpuMiner.start(config(pool, ChannelType.STANDARD), 14)) {
            assertTrue(miner.awaitBlocks(1, WAIT), "a block acknowledged; stats " + miner.snapshot());
            assertTrue(miner.awaitAccepted(4, WAIT));
            miner.close();
            SetupConnection setup = pool.setups.get(0);
            assertEquals(SetupConnection.REQUIRES_STANDARD_JOBS | SetupConnection.REQUIRES_VERSION_ROLLING,
                    setup.flags(), "an end device on a standard channel with version rolling");
            assertTrue(pool.opens.get(0) instanceof Sv2Mining.OpenStandardMiningChannel);
            List<Submission> all = new ArrayList<>(pool.submissions);
            Set<Long> versions = new HashSet<>();
            for (Submission s : all) {
                assertFalse(s.extended(), "a standard channel submits SubmitSharesStandard");
                assertTrue(s.meetsShareTarget(), "share hash above the channel target: " + s);
                assertTrue(s.versionOk(), "version bits outside BIP320: " + Long.toHexString(s.version()));
                versions.add(s.version());
            }
            // Header-only work rolls version bits instead of an extranonce.
            assertTrue(versions.size() > 1, "version never rolled: " + versions);
            assertTrue(pool.problems.isEmpty(), pool.problems.toString());
            MinerStats stats = miner.snapshot();
            assertTrue(stats.blocks() >= 1 && stats.blocks() <= pool.acknowledgedBlocks.get());
        }
    }

    @Test
    void standardChannelWithoutVersionRollingSplitsTheNonceRangeBetweenThreads() throws Exception {
        TestJob job = TestJob.build("f", NBITS_DIFF1, "/sv2-fixed/");
        try (Sv2ScriptedPool pool = new Sv2ScriptedPool(job, TestJob.shareTarget(EASY));
                CpuMiner miner = CpuMiner.start(config(pool, ChannelType.STANDARD).withVersionRolling(false))) {
            // One header-only unit (no extranonce, no version bits): thread 0 takes the low half of the nonces,
            // thread 1 the high half.
            boolean low = false;
            boolean high = false;
            while (!(low && high)) {
                Submission s = next(pool);
                assertTrue(s.meetsShareTarget());
                assertEquals(job.version() & 0xffffffffL, s.version(), "no rolled bits");
                low |= s.nonce() < 0x8000_0000L;
                high |= s.nonce() >= 0x8000_0000L;
            }
            assertEquals(SetupConnection.REQUIRES_STANDARD_JOBS, pool.setups.get(0).flags(),
                    "version rolling not required when we do not roll");
            assertTrue(miner.awaitAccepted(2, WAIT));
            assertTrue(pool.problems.isEmpty(), pool.problems.toString());
        }
    }

    @Test
    void newTipActivatesTheFutureJobWithItsTargetAndStopsTheOldOne() throws Exception {
        TestJob first = TestJob.build("a", NBITS_DIFF1, "/tip-a/");
        try (Sv2ScriptedPool pool = new Sv2ScriptedPool(first, TestJob.shareTarget(EASY));
                CpuMiner miner = CpuMiner.start(config(pool, ChannelType.EXTENDED), 14)) {
            Submission s = next(pool);
            assertEquals(1, s.jobId());
            TestJob b = TestJob.build("b", NBITS_DIFF1, "/tip-b/");
            TestJob second = new TestJob("b", "00000000000000000001b4f4f9ee0ba8e9bf8c1e6c5e9c1d3c0a2b8a1f1e2d3c", b.coinb1(),
                    b.coinb2(), b.others(), b.branch(), b.version(), b.nbits(), b.ntime() + 600);
            BigInteger harder = TestJob.shareTarget(EASY * 2);
            pool.newTip(second, harder);
            // Shares in flight for job 1 may still arrive; after them only job 2, checked against the new
            // prevhash and the harder target.
            do {
                s = next(pool);
            } while (s.jobId() == 1);
            assertEquals(2, s.jobId());
            assertTrue(miner.awaitAccepted(miner.snapshot().accepted() + 3, WAIT));
            miner.close();
            List<Submission> all = new ArrayList<>(pool.submissions);
            for (Submission later : all) {
                if (later.jobId() == 2) {
                    assertTrue(later.meetsShareTarget(), "share on the new tip above the new target");
                    assertEquals(second.ntime(), later.ntime(), "ntime from SetNewPrevHash's min_ntime");
                }
            }
            assertTrue(pool.problems.isEmpty(), pool.problems.toString());
        }
    }

    @Test
    void rejectionsAreCountedByErrorCodeAndBatchedSuccessCountsEveryShare() throws Exception {
        TestJob job = TestJob.build("r", NBITS_DIFF1, "/rej/");
        try (Sv2ScriptedPool pool = new Sv2ScriptedPool(job, TestJob.shareTarget(EASY))) {
            pool.ackBatch = 3;
            // Every fourth share refused, as stale or as a duplicate, although each is fine.
            pool.judge = s -> s.sequence() % 8 == 3 ? "stale-share" : s.sequence() % 8 == 7 ? "duplicate-share" : null;
            MinerConfig cfg = config(pool, ChannelType.EXTENDED).withLimits(0, 9, Duration.ZERO);
            try (CpuMiner miner = CpuMiner.start(cfg, 14)) {
                MinerStats last = miner.termination().get(90, TimeUnit.SECONDS);
                assertTrue(last.accepted() >= 9, "stopped at the accepted-share limit: " + last);
                assertEquals(0, last.accepted() % 3, "batches of three acknowledged: " + last.accepted());
                assertTrue(last.rejectedByCode().getOrDefault(21, 0L) >= 1, last.rejectedByCode().toString());
                assertTrue(last.rejectedByCode().getOrDefault(22, 0L) >= 1, last.rejectedByCode().toString());
                assertEquals(Set.of(21, 22), last.rejectedByCode().keySet());
                assertTrue(last.rejected() <= pool.rejectedByCode.values().stream().mapToInt(a -> a.get()).sum());
                assertTrue(pool.problems.isEmpty(), pool.problems.toString());
            }
        }
    }

    @Test
    void followsReconnectToAnotherServerOfTheSameAuthority() throws Exception {
        TestJob job = TestJob.build("m", NBITS_DIFF1, "/move/");
        try (Sv2ScriptedPool pool = new Sv2ScriptedPool(job, TestJob.shareTarget(EASY));
                Sv2ScriptedPool other = new Sv2ScriptedPool(job, TestJob.shareTarget(EASY), pool.authority);
                CpuMiner miner = CpuMiner.start(config(pool, ChannelType.STANDARD), 14)) {
            next(pool);
            pool.reconnectAll("127.0.0.1", other.port());
            Submission moved = next(other);
            assertTrue(moved.meetsShareTarget(), "share on the new server verifies");
            assertEquals(1, other.setups.size());
            assertTrue(pool.problems.isEmpty() && other.problems.isEmpty());
        }
    }

    @Test
    void handshakeWithAWrongAuthorityKeyIsRefused() throws Exception {
        TestJob job = TestJob.build("w", NBITS_DIFF1, "/wrong/");
        try (Sv2ScriptedPool pool = new Sv2ScriptedPool(job, TestJob.shareTarget(EASY))) {
            String wrongKey = AuthorityKeyPair.generate(new SecureRandom()).publicKey().toBase58();
            String url = "stratum2+tcp://127.0.0.1:" + pool.port() + "/" + wrongKey;
            MinerConfig cfg = MinerConfig.of(url, "bcrt1qtestworker.rig1").withThreads(1).withMaxReconnects(1);
            try (CpuMiner miner = CpuMiner.start(cfg)) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> miner.termination().get(30, TimeUnit.SECONDS));
                assertTrue(e.getCause().getMessage().contains("gave up"), e.getCause().getMessage());
                assertFalse(miner.isConnected());
                assertEquals(0, miner.snapshot().accepted());
            }
            assertEquals(2, pool.connectionCount(), "first attempt and one reconnect");
            assertTrue(pool.setups.isEmpty(), "nothing but the handshake reached the impostor check");
            assertTrue(pool.submissions.isEmpty());
        }
    }

    @Test
    void sv2UrlsCarryThePinnedAuthorityKey() {
        String key = AuthorityKeyPair.generate(new SecureRandom()).publicKey().toBase58();
        StratumEndpoint e = StratumEndpoint.parse("stratum2+tcp://pool.example:3336/" + key);
        assertTrue(e.isSv2());
        assertEquals("pool.example", e.host());
        assertEquals(3336, e.port());
        assertEquals(key, e.authority().orElseThrow().toBase58());
        assertEquals("stratum2+tcp://pool.example:3336/" + key, e.toString());
        assertEquals(e.authority(), e.withAddress("other.example", 4000).authority(), "reconnect keeps the key");
        assertFalse(StratumEndpoint.parse("stratum+tcp://pool.example:3333").isSv2());

        IllegalArgumentException noKey = assertThrows(IllegalArgumentException.class,
                () -> StratumEndpoint.parse("stratum2+tcp://pool.example:3336"));
        assertTrue(noKey.getMessage().contains("authority public key"), noKey.getMessage());
        IllegalArgumentException badKey = assertThrows(IllegalArgumentException.class,
                () -> StratumEndpoint.parse("stratum2+tcp://pool.example:3336/" + key.substring(0, key.length() - 1) + "1"));
        assertTrue(badKey.getMessage().contains("authority public key"), badKey.getMessage());

        MinerConfig cfg = MinerConfig.of("stratum2+tcp://127.0.0.1:3336/" + key, "u");
        assertEquals(ChannelType.EXTENDED, cfg.channelType(), "extended by default");
        assertEquals(ChannelType.STANDARD, cfg.withChannelType(ChannelType.parse("Standard")).channelType());
        assertThrows(IllegalArgumentException.class, () -> ChannelType.parse("group"));
        assertThrows(IllegalArgumentException.class, () -> MinerConfig.of("stratum2+tcp://127.0.0.1:3336/xyz", "u"));
    }

    @Test
    void sv2ErrorCodesMapToTheConventionalRejectNumbers() {
        assertEquals(Map.of("stale-share", 21, "invalid-job-id", 21, "duplicate-share", 22, "difficulty-too-low", 23,
                "invalid-channel-id", 24, "something-else", 20),
                Map.of("stale-share", Sv2MinerSession.sv1Code("stale-share"),
                        "invalid-job-id", Sv2MinerSession.sv1Code("invalid-job-id"),
                        "duplicate-share", Sv2MinerSession.sv1Code("duplicate-share"),
                        "difficulty-too-low", Sv2MinerSession.sv1Code("difficulty-too-low"),
                        "invalid-channel-id", Sv2MinerSession.sv1Code("invalid-channel-id"),
                        "something-else", Sv2MinerSession.sv1Code("something-else")));
    }
}
