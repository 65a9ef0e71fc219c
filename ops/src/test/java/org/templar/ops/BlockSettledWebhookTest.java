package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.regtest.BlockRules;
import org.templar.regtest.BlockTemplate;
import org.templar.regtest.RawBlock;
import org.templar.regtest.RegtestChain;
import org.templar.regtest.RegtestConsensus;

/**
 * The block tracker's verdicts reach the webhook (a real HTTP server on loopback), on the embedded
 * node: a pool block 100 deep is POSTed as {@code block_matured}; a pool block that a longer side
 * branch pushes out of the best chain is POSTed as {@code block_orphaned}.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class BlockSettledWebhookTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BlockingQueue<JsonNode> posts = new LinkedBlockingQueue<>();
    private HttpServer hook;
    private String url;

    @BeforeEach
    void receiver() throws Exception {
        hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        hook.createContext("/hook", ex -> {
            posts.add(JSON.readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();
        url = "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook";
    }

    @AfterEach
    void stop() {
        hook.stop(0);
    }

    /** Waits for a POST with {@code event} for each of {@code hashes}; returns them by hash. */
    private Map<String, JsonNode> awaitEvents(String event, Set<String> hashes) throws InterruptedException {
        Map<String, JsonNode> seen = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!seen.keySet().containsAll(hashes) && System.nanoTime() < deadline) {
            JsonNode b = posts.poll(1, TimeUnit.SECONDS);
            // a second solve at the same height (STALE) has its own life; only the blocks asked about count
            if (b != null && b.get("event").asText().equals(event) && hashes.contains(b.get("hash").asText())) {
                assertTrue(seen.put(b.get("hash").asText(), b) == null, "one " + event + " per block: " + b);
            }
        }
        assertEquals(hashes, seen.keySet(), event + " POSTs");
        return seen;
    }

    private static List<BlockRecord> poolBlocks(PoolHarness pool) {
        return pool.pool().ledger().recentBlocks(50);
    }

    /**
     * The pool's ACCEPTED blocks, once every block has its verdict. The miner may solve twice at one
     * height before the new tip reaches it: the node keeps the second off its active chain (STALE).
     */
    private static Set<String> acceptedBlocks(PoolHarness pool) throws InterruptedException {
        PoolHarness.await(Duration.ofSeconds(30), () -> poolBlocks(pool).stream().anyMatch(b -> b.status() == BlockStatus.ACCEPTED)
                && poolBlocks(pool).stream().noneMatch(b -> b.status() == BlockStatus.CANDIDATE || b.status() == BlockStatus.SUBMITTED),
                () -> "the pool's blocks judged, one accepted: " + poolBlocks(pool));
        return poolBlocks(pool).stream().filter(b -> b.status() == BlockStatus.ACCEPTED).map(BlockRecord::hash)
                .collect(Collectors.toSet());
    }

    @Test
    void aPoolBlock100DeepIsPostedAsMatured(@TempDir Path dir) throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("pool.payout_address", operator,
                "pool.payout_scheme", "pplns", "pool.track_seconds", "1", "notify.webhook_urls", url))) {
            try (CpuMiner m = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, "alice.rig1"))) {
                assertTrue(m.awaitBlocks(1, Duration.ofSeconds(90)), "a block: " + m.snapshot());
            }
            Set<String> ours = acceptedBlocks(pool);
            awaitEvents("block_accepted", ours);
            Thread.sleep(2_500); // a few tracker polls at 1..99 confirmations: nothing matures early
            assertTrue(posts.stream().noneMatch(p -> p.get("event").asText().equals("block_matured")), posts.toString());

            pool.pool().embeddedNode().orElseThrow().generateToAddress(100, operator);
            Map<String, JsonNode> matured = awaitEvents("block_matured", ours);
            for (BlockRecord b : poolBlocks(pool)) {
                if (!ours.contains(b.hash())) {
                    continue;
                }
                JsonNode post = matured.get(b.hash());
                assertEquals(BlockStatus.MATURE, b.status());
                assertEquals("mature", post.get("status").asText(), post.toString());
                assertEquals(b.height(), post.get("height").asLong());
                assertEquals("alice.rig1", post.get("worker").asText());
                assertEquals(b.rewardSats(), post.get("reward_sats").asLong());
                assertEquals("regtest", post.get("network").asText());
                assertTrue(post.get("content").asText().startsWith("Block " + b.height() + " mature on regtest"), post.toString());
            }
            Thread.sleep(2_500); // later polls do not repeat it
            assertTrue(posts.stream().noneMatch(p -> p.get("event").asText().equals("block_matured")), posts.toString());
        }
    }

    /**
     * A reorganisation deeper than coinbase maturity: the pool's PPLNS block matures, alice is paid out
     * of it, then a side branch from below it wins. The tracker (checking mature blocks every few
     * polls) orphans it, POSTs {@code block_orphaned} once, and takes alice's credit back as a debt.
     */
    @Test
    void aMatureBlockPushedOutByADeeperBranchIsOrphanedAndTakenBack(@TempDir Path dir) throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        String alice = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("pool.payout_address", operator,
                "pool.payout_scheme", "pplns", "pool.track_seconds", "1", "pool.orphan_depth", "1",
                "notify.webhook_urls", url))) {
            try (CpuMiner m = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, alice + ".rig1"))) {
                assertTrue(m.awaitBlocks(1, Duration.ofSeconds(90)), "a block: " + m.snapshot());
            }
            Set<String> ours = acceptedBlocks(pool);
            pool.pool().embeddedNode().orElseThrow().generateToAddress(100, operator);
            awaitEvents("block_matured", ours);
            org.templar.payout.PayoutLedger payouts = new org.templar.payout.PayoutLedger(pool.pool().ledger());
            long credited = payouts.balance(alice).availableSats();
            assertTrue(credited > 0, payouts.balance(alice).toString());
            org.templar.payout.PayoutBatch batch = payouts.createBatch(1, java.util.Optional::of).orElseThrow();
            payouts.markSent(batch.id(), "ab".repeat(32));

            RegtestChain chain = pool.pool().embeddedNode().orElseThrow().chain();
            long lowest = poolBlocks(pool).stream().filter(b -> ours.contains(b.hash())).mapToLong(BlockRecord::height)
                    .min().orElseThrow();
            org.templar.regtest.BlockRecord parent = chain.blockAt((int) lowest - 1).orElseThrow();
            int length = chain.height() - parent.height() + 1;
            assertTrue(length > 100, "deeper than coinbase maturity: " + length);
            for (int i = 0; i < length; i++) {
                RawBlock b = childOf(chain, parent, 8_000 + i);
                String verdict = chain.submitBlock(b);
                assertTrue(verdict == null || verdict.equals("inconclusive"), "side block " + i + ": " + verdict);
                parent = chain.block(b.hash()).orElseThrow();
            }
            assertEquals(parent.hash(), chain.tipHash(), "the side branch is the best chain");

            Map<String, JsonNode> orphaned = awaitEvents("block_orphaned", ours);
            for (BlockRecord b : poolBlocks(pool)) {
                if (ours.contains(b.hash())) {
                    assertEquals(BlockStatus.ORPHANED, b.status());
                    assertTrue(b.reason().endsWith("after it had matured"), b.reason());
                    assertTrue(orphaned.get(b.hash()).get("reason").asText().endsWith("after it had matured"));
                    assertEquals(org.templar.payout.BlockSettlement.State.REVERSED, payouts.settlement(b.hash()).orElseThrow().state());
                }
            }
            assertEquals(new org.templar.payout.Balance(alice, 0, -credited, 0, credited, 0), payouts.balance(alice),
                    "paid, then taken back: a debt");
            Thread.sleep(3_000); // later polls, mature checks included, change nothing
            assertEquals(new org.templar.payout.Balance(alice, 0, -credited, 0, credited, 0), payouts.balance(alice));
            assertTrue(posts.stream().noneMatch(p -> p.get("event").asText().equals("block_orphaned")), posts.toString());
        }
    }

    /** A block on {@code parent} built directly on the chain (its own coinbase tag keeps it distinct). */
    static RawBlock childOf(RegtestChain chain, org.templar.regtest.BlockRecord parent, long tag) {
        byte[] payout = {0x51}; // OP_TRUE
        BlockTemplate t = chain.template();
        BlockTemplate onParent = new BlockTemplate(parent.hash(), parent.height() + 1, t.version(), t.bits(),
                Math.max(parent.medianTimePast() + 1, t.curTime()), parent.medianTimePast() + 1,
                RegtestConsensus.subsidy(parent.height() + 1), List.of(), BlockRules.witnessCommitmentScript(List.of(
                        RegtestChain.assemble(t, payout, tag).transactions().get(0))), "");
        return RegtestChain.solve(RegtestChain.assemble(onParent, payout, tag));
    }

    @Test
    void aPoolBlockPushedOutByALongerBranchIsPostedAsOrphaned(@TempDir Path dir) throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        int orphanDepth = 2;
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("pool.payout_address", operator,
                "pool.payout_scheme", "pplns", "pool.track_seconds", "1", "pool.orphan_depth", "" + orphanDepth,
                "notify.webhook_urls", url))) {
            try (CpuMiner m = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, "bob.rig1"))) {
                assertTrue(m.awaitBlocks(1, Duration.ofSeconds(90)), "a block: " + m.snapshot());
            }
            Set<String> ours = acceptedBlocks(pool);
            awaitEvents("block_accepted", ours);

            // A side branch from just below the pool's lowest block, longer than the chain by orphanDepth.
            RegtestChain chain = pool.pool().embeddedNode().orElseThrow().chain();
            long lowest = poolBlocks(pool).stream().filter(b -> ours.contains(b.hash())).mapToLong(BlockRecord::height)
                    .min().orElseThrow();
            org.templar.regtest.BlockRecord parent = chain.blockAt((int) lowest - 1).orElseThrow();
            int length = chain.height() - parent.height() + orphanDepth;
            String oldTip = chain.tipHash().toString();
            for (int i = 0; i < length; i++) {
                RawBlock b = childOf(chain, parent, 7_000 + i);
                String verdict = chain.submitBlock(b);
                assertTrue(verdict == null || verdict.equals("inconclusive"), "side block " + i + ": " + verdict);
                parent = chain.block(b.hash()).orElseThrow();
            }
            assertNotEquals(oldTip, chain.tipHash().toString());
            assertEquals(parent.hash(), chain.tipHash(), "the side branch is the best chain");
            for (String h : ours) {
                assertTrue(!chain.isActive(chain.block(org.bitcoinj.base.Sha256Hash.wrap(h)).orElseThrow()), h);
            }

            Map<String, JsonNode> orphaned = awaitEvents("block_orphaned", ours);
            for (BlockRecord b : poolBlocks(pool)) {
                if (!ours.contains(b.hash())) {
                    continue;
                }
                JsonNode post = orphaned.get(b.hash());
                assertEquals(BlockStatus.ORPHANED, b.status());
                assertEquals("orphaned", post.get("status").asText(), post.toString());
                assertEquals(b.height(), post.get("height").asLong());
                assertEquals("bob.rig1", post.get("worker").asText());
                assertTrue(post.get("reason").asText().startsWith("not in the best chain"), post.toString());
            }
        }
    }
}
