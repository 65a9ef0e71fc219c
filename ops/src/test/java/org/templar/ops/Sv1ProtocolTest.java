package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.BlockStatus;
import org.templar.share.Hex;
import org.templar.share.Target;

/**
 * Stratum V1 rules over a real socket against the real pool: handshake in any order, version
 * rolling, and every rejection code — with the block-first rule checked against the node.
 */
@Timeout(120)
class Sv1ProtocolTest {
    @TempDir
    static Path dir;
    static PoolHarness pool;
    static String address;

    @BeforeAll
    static void start() throws Exception {
        address = SoloAndPoolMiningTest.newAddress();
        // a minimum below the regtest network difficulty, so a test can craft shares that are not blocks
        pool = PoolHarness.start(dir, Map.of("vardiff.minimum", "1e-12"));
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    static TestMiner connect(boolean configure, Double suggest) throws Exception {
        return TestMiner.connect(pool, address, configure, suggest);
    }

    static int code(JsonNode response) {
        return response.get("error").isNull() ? 0 : response.get("error").get(0).asInt();
    }

    @Test
    void submitBeforeSubscribeAndBeforeAuthorizeAreRefusedWithTheirCodes() throws Exception {
        try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            String share = "[\"" + address + "\",\"00000001\",\"00000000\",\"5f5e1000\",\"00000000\"]";
            assertEquals(25, code(c.call("mining.submit", share)));
            c.call("mining.subscribe", "[]");
            assertEquals(24, code(c.call("mining.submit", share)));
            JsonNode bad = c.call("mining.authorize", "[\"not-an-address.rig\",\"x\"]");
            assertEquals(24, code(bad));
            assertTrue(bad.get("error").get(1).asText().contains("not a valid"), bad.toString());
        }
    }

    @Test
    void configureAndSuggestDifficultyMayComeFirstAndFractionalDifficultyIsHonoured() throws Exception {
        TestMiner m = connect(true, 0.0001);
        try (Sv1TestClient c = m.client()) {
            assertEquals(0.0001, m.difficulty(), 1e-12);
        }
    }

    @Test
    void versionRollingWithinTheMaskIsAcceptedAndOutsideRefused() throws Exception {
        TestMiner m = connect(true, 0.0001);
        try (Sv1TestClient c = m.client()) {
            byte[] en2 = Hex.decode("00000001");
            int bits = 0x00002000 | 0x00100000;
            int rolled = (m.job().version & ~0x1fffe000) | bits;
            NotifiedJob.Found f = m.job().find(en2, rolled, NotifiedJob.targetOf(0.0001), true, null);
            JsonNode outside = c.call("mining.submit", m.job().submitParams(address + ".t", en2, f.nonce(), 0x00000001));
            assertEquals(20, code(outside));
            assertTrue(outside.get("error").get(1).asText().contains("version"));
            int before = pool.height();
            JsonNode ok = c.call("mining.submit", m.job().submitParams(address + ".t", en2, f.nonce(), bits));
            assertEquals(0, code(ok), ok.toString());
            if (f.block()) {
                String hash = Hex.encode(Hex.reverse(f.hash()));
                PoolHarness.await(Duration.ofSeconds(20), () -> heightAbove(before), "the rolled block is accepted");
                JsonNode header = pool.rpc("getblockheader", hash, true);
                assertEquals(rolled, (int) Long.parseLong(header.get("versionHex").asText(), 16));
            }
        }
    }

    @Test
    void duplicateShareIsRefusedAndIncludesTheVersionBitsInItsKey() throws Exception {
        TestMiner m = connect(true, 1e-11);
        try (Sv1TestClient c = m.client()) {
            byte[] en2 = Hex.decode("0000abcd");
            // a share that meets the (tiny) share target but is NOT a block: the job stays current
            NotifiedJob.Found f = m.job().find(en2, m.job().version, NotifiedJob.targetOf(1e-11), true, false);
            assertEquals(0, code(c.call("mining.submit", m.job().submitParams(address + ".t", en2, f.nonce(), null))));
            assertEquals(22, code(c.call("mining.submit", m.job().submitParams(address + ".t", en2, f.nonce(), null))));
            // same nonce, other rolled version: a different header, not a duplicate
            int rolled = (m.job().version & ~0x1fffe000) | 0x4000;
            NotifiedJob.Found g = m.job().find(en2, rolled, NotifiedJob.targetOf(1e-11), true, false);
            assertEquals(0, code(c.call("mining.submit", m.job().submitParams(address + ".t", en2, g.nonce(), 0x4000))));
        }
    }

    @Test
    void lowDifficultyShareIsRefusedButItsBlockIsStillSubmitted() throws Exception {
        TestMiner m = connect(false, 1000.0);
        try (Sv1TestClient c = m.client()) {
            byte[] en2 = Hex.decode("00000002");
            Target shareTarget = NotifiedJob.targetOf(m.difficulty());
            NotifiedJob.Found f = m.job().find(en2, m.job().version, shareTarget, false, true);
            int before = pool.height();
            JsonNode r = c.call("mining.submit", m.job().submitParams(address + ".t", en2, f.nonce(), null));
            assertEquals(23, code(r));
            PoolHarness.await(Duration.ofSeconds(20), () -> heightAbove(before), "the block behind the low share is mined");
            String hash = Hex.encode(Hex.reverse(f.hash()));
            PoolHarness.await(Duration.ofSeconds(20), () -> pool.pool().ledger().blockByHash(hash)
                    .map(b -> b.status() == BlockStatus.ACCEPTED).orElse(false), "the block is recorded as accepted");
        }
    }

    @Test
    void lowDifficultySharesAreNotRememberedSoResendingThemIsStillLowDifficulty() throws Exception {
        TestMiner m = connect(false, 1000.0);
        try (Sv1TestClient c = m.client()) {
            byte[] en2 = Hex.decode("00000005");
            NotifiedJob.Found f = m.job().find(en2, m.job().version, NotifiedJob.targetOf(m.difficulty()), false, false);
            String share = m.job().submitParams(address + ".t", en2, f.nonce(), null);
            assertEquals(23, code(c.call("mining.submit", share)));
            assertEquals(23, code(c.call("mining.submit", share)), "not 22: a worthless share costs the pool no memory");
        }
    }

    @Test
    void aJobThatHoldsAllTheSharesItCanRememberIsReplacedByFreshWork(@TempDir Path dir) throws Exception {
        try (PoolHarness small = PoolHarness.start(dir, Map.of("vardiff.minimum", "1e-12", "pool.shares_per_job", "3"))) {
            TestMiner m = TestMiner.connect(small, address, false, 1e-11);
            try (Sv1TestClient c = m.client()) {
                for (int i = 0; i < 3; i++) {
                    byte[] en2 = Hex.decode(String.format("000001%02x", i));
                    NotifiedJob.Found f = m.job().find(en2, m.job().version, NotifiedJob.targetOf(1e-11), true, false);
                    assertEquals(0, code(c.call("mining.submit", m.job().submitParams(address + ".t", en2, f.nonce(), null))));
                }
                byte[] en2 = Hex.decode("000001ff");
                NotifiedJob.Found f = m.job().find(en2, m.job().version, NotifiedJob.targetOf(1e-11), true, false);
                assertEquals(21, code(c.call("mining.submit", m.job().submitParams(address + ".t", en2, f.nonce(), null))),
                        "the full job takes no more shares: they could no longer be checked for duplicates");
                JsonNode fresh = c.awaitNotification("mining.notify");
                NotifiedJob next = new NotifiedJob(fresh, m.extranonce1(), 4);
                assertTrue(!next.jobId.equals(m.job().jobId), "fresh work has a new job id");
                NotifiedJob.Found g = next.find(en2, next.version, NotifiedJob.targetOf(1e-11), true, false);
                assertEquals(0, code(c.call("mining.submit", next.submitParams(address + ".t", en2, g.nonce(), null))));
            }
        }
    }

    @Test
    void unknownJobAndOldTipJobsAreStale() throws Exception {
        TestMiner m = connect(false, 1e-11);
        try (Sv1TestClient c = m.client()) {
            byte[] en2 = Hex.decode("00000003");
            JsonNode unknown = c.call("mining.submit", "[\"" + address + ".t\",\"ffffffff\",\"00000003\",\""
                    + String.format("%08x", m.job().ntime) + "\",\"00000000\"]");
            assertEquals(21, code(unknown));
            // another miner finds a block: our job is now on an old tip
            pool.pool().embeddedNode().orElseThrow().generateToAddress(1, address);
            JsonNode clean = c.awaitNotification("mining.notify");
            while (!clean.get("params").get(8).asBoolean()) {
                clean = c.awaitNotification("mining.notify");
            }
            NotifiedJob.Found f = m.job().find(en2, m.job().version, NotifiedJob.targetOf(1e-11), true, false);
            assertEquals(21, code(c.call("mining.submit", m.job().submitParams(address + ".t", en2, f.nonce(), null))));
        }
    }

    @Test
    void aBlockSolvedOnAnOldTipIsStillSubmittedAndRecordedAsStale() throws Exception {
        TestMiner m = connect(false, 1e-11);
        try (Sv1TestClient c = m.client()) {
            pool.pool().embeddedNode().orElseThrow().generateToAddress(1, address); // someone else wins this height
            JsonNode clean = c.awaitNotification("mining.notify");
            while (!clean.get("params").get(8).asBoolean()) {
                clean = c.awaitNotification("mining.notify");
            }
            byte[] en2 = Hex.decode("00000006");
            NotifiedJob.Found f = m.job().find(en2, m.job().version, NotifiedJob.targetOf(1e-11), true, true);
            assertEquals(21, code(c.call("mining.submit", m.job().submitParams(address + ".t", en2, f.nonce(), null))));
            String hash = Hex.encode(Hex.reverse(f.hash()));
            PoolHarness.await(Duration.ofSeconds(20), () -> pool.pool().ledger().blockByHash(hash)
                    .map(b -> b.status() == BlockStatus.STALE).orElse(false), "the solve is recorded as stale");
            assertEquals(hash, pool.rpc("getblockheader", hash).get("hash").asText(), "the node has it on a side branch");
        }
    }

    @Test
    void ntimeOutOfRangeAndWrongExtranonceSizeAreRefused() throws Exception {
        TestMiner m = connect(false, 1e-11);
        try (Sv1TestClient c = m.client()) {
            String farFuture = String.format("%08x", m.job().ntime + 3 * 3600);
            JsonNode r = c.call("mining.submit", "[\"" + address + ".t\",\"" + m.job().jobId + "\",\"00000004\",\""
                    + farFuture + "\",\"00000000\"]");
            assertEquals(20, code(r));
            assertTrue(r.get("error").get(1).asText().toLowerCase().contains("ntime"));
            JsonNode size = c.call("mining.submit", "[\"" + address + ".t\",\"" + m.job().jobId + "\",\"0004\",\""
                    + String.format("%08x", m.job().ntime) + "\",\"00000000\"]");
            assertEquals(20, code(size));
        }
    }

    @Test
    void extranonceSubscribeIsAcknowledgedAndSessionResumeReusesTheExtranonce() throws Exception {
        byte[] first;
        try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            assertTrue(c.call("mining.extranonce.subscribe", "[]").get("result").asBoolean());
            first = Hex.decode(c.call("mining.subscribe", "[\"x\"]").get("result").get(1).asText());
        }
        Thread.sleep(300); // the pool releases the extranonce when it sees the connection close
        try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            JsonNode r = c.call("mining.subscribe", "[\"x\",\"" + Hex.encode(first) + "\"]");
            assertEquals(Hex.encode(first), r.get("result").get(1).asText(), "resumed the previous extranonce1");
            assertFalse(r.get("result").get(0).isEmpty());
        }
    }

    private static boolean heightAbove(int before) {
        try {
            return pool.height() > before;
        } catch (Exception e) {
            return false;
        }
    }
}
