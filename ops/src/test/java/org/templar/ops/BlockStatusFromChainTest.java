package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.share.Hex;

/**
 * A block's status comes from where it stands in the node's chain, not from the submit answer alone
 * (issue 7, defect 3). The node already holds each block before the pool submits it (as when a peer
 * relayed it first), so the pool's submitblock gets "duplicate" both times: once for a block on a
 * side branch (getblockheader: confirmations -1), once for the active tip.
 */
@Timeout(120)
class BlockStatusFromChainTest {
    static int code(JsonNode response) {
        return response.get("error").isNull() ? 0 : response.get("error").get(0).asInt();
    }

    static NotifiedJob awaitCleanJob(TestMiner m) throws Exception {
        JsonNode n = m.client().awaitNotification("mining.notify");
        while (!n.get("params").get(8).asBoolean()) {
            n = m.client().awaitNotification("mining.notify");
        }
        return new NotifiedJob(n, m.extranonce1(), 4);
    }

    /** The ledger's verdict once the pool has one (the row starts as CANDIDATE). */
    static BlockRecord verdict(PoolHarness pool, String hash) throws InterruptedException {
        PoolHarness.await(Duration.ofSeconds(30), () -> pool.pool().ledger().blockByHash(hash)
                .map(b -> b.status() != BlockStatus.CANDIDATE).orElse(false), "the pool records a verdict on " + hash);
        return pool.pool().ledger().blockByHash(hash).orElseThrow();
    }

    @Test
    void aKnownBlockOnASideBranchIsStaleAndOneOnTheActiveChainIsAccepted(@TempDir Path dir) throws Exception {
        String address = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("vardiff.minimum", "1e-12"))) {
            TestMiner m = TestMiner.connect(pool, address, false, 1e-11);
            try (Sv1TestClient c = m.client()) {
                NotifiedJob job = m.job();
                byte[] en2 = Hex.decode("000000b1");
                NotifiedJob.Found side = job.find(en2, job.version, NotifiedJob.targetOf(1e-11), true, true);
                String sideHash = Hex.encode(Hex.reverse(side.hash()));
                // another block wins this height first; ours reaches the node afterwards, on a side branch
                pool.pool().embeddedNode().orElseThrow().generateToAddress(1, address);
                NotifiedJob next = awaitCleanJob(m);
                assertEquals("inconclusive", pool.rpc("submitblock", job.blockHex(en2, side.nonce(), job.version)).asText());
                assertEquals(-1, pool.rpc("getblockheader", sideHash, true).get("confirmations").asInt());
                // the miner's solve arrives late: stale as a share, but the block is still submitted
                assertEquals(21, code(c.call("mining.submit", job.submitParams(address + ".t", en2, side.nonce(), null))));
                BlockRecord stale = verdict(pool, sideHash);
                assertEquals(BlockStatus.STALE, stale.status(), "the node holds it off its active chain: " + stale);
                assertEquals(-1, pool.rpc("getblockheader", sideHash, true).get("confirmations").asInt());

                // a block the node already has as its tip: the same "duplicate" answer, but on the active chain
                NotifiedJob.Found tip = next.find(en2, next.version, NotifiedJob.targetOf(1e-11), true, true);
                String tipHash = Hex.encode(Hex.reverse(tip.hash()));
                JsonNode connected = pool.rpc("submitblock", next.blockHex(en2, tip.nonce(), next.version));
                assertTrue(connected == null || connected.isNull(), "the node connects it: " + connected);
                int answer = code(c.call("mining.submit", next.submitParams(address + ".t", en2, tip.nonce(), null)));
                assertTrue(answer == 0 || answer == 21, "accepted, or stale if the pool already saw its tip: " + answer);
                BlockRecord accepted = verdict(pool, tipHash);
                assertEquals(BlockStatus.ACCEPTED, accepted.status(), accepted.toString());
                assertTrue(pool.rpc("getblockheader", tipHash, true).get("confirmations").asInt() >= 1);
            }
        }
    }
}
