package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.BlockStatus;
import org.templar.payout.ShareRecord;
import org.templar.share.Hex;

/**
 * Issue 7 ("no one connection can hurt the others"): on regtest about every second hash solves a
 * block, so a client sending arbitrary shares floods the pool with block solutions. The pool must
 * still record every ordinary share of another miner exactly once, never run its ledger connection
 * pool dry, write and settle the solutions it keeps, and get the block to the node.
 */
@Timeout(180)
class BlockSolutionFloodTest {
    private static final int BURSTS = 15;
    private static final int BURST = 200;
    private static final int ORDINARY_SHARES = 20;

    @Test
    void aFloodOfBlockSolutionsLeavesOtherMinersSharesAndTheLedgerPoolAlone(@TempDir Path dir) throws Exception {
        Queue<String> exhausted = new ConcurrentLinkedQueue<>();
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        AppenderBase<ILoggingEvent> watch = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                StringBuilder text = new StringBuilder(e.getFormattedMessage());
                for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                    text.append(" / ").append(t.getMessage());
                }
                if (text.indexOf("Connection is not available") >= 0) {
                    exhausted.add(text.toString());
                }
            }
        };
        watch.start();
        root.addAppender(watch);
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("vardiff.minimum", "1e-12",
                "metrics.listen", "127.0.0.1:0"))) {
            int startHeight = pool.height();
            String flooder = SoloAndPoolMiningTest.newAddress();
            String honest = SoloAndPoolMiningTest.newAddress();
            TestMiner flood = TestMiner.connect(pool, flooder, false, 1e-11);
            TestMiner miner = TestMiner.connect(pool, honest, false, 1e-11);
            AtomicReference<Throwable> floodFailure = new AtomicReference<>();
            AtomicInteger floodSent = new AtomicInteger();
            Thread flooding = new Thread(() -> {
                try (Sv1TestClient c = flood.client()) {
                    floodBlocks(c, flood, flooder, floodSent);
                } catch (Throwable t) {
                    floodFailure.set(t);
                }
            }, "block-flood");
            flooding.start();

            // the honest miner keeps to its newest job: a share refused stale (the tip moved) is found
            // again on the new work; any other refusal is the flood hurting it
            List<String> accepted = new ArrayList<>();
            NotifiedJob job = miner.job();
            double difficulty = miner.difficulty();
            try (Sv1TestClient c = miner.client()) {
                for (int i = 0; accepted.size() < ORDINARY_SHARES; i++) {
                    for (JsonNode n; (n = c.pollNotification("mining.set_difficulty", Duration.ZERO)) != null;) {
                        difficulty = n.get("params").get(0).asDouble();
                    }
                    for (JsonNode n; (n = c.pollNotification("mining.notify", Duration.ZERO)) != null;) {
                        job = new NotifiedJob(n, miner.extranonce1(), 4);
                    }
                    byte[] en2 = Hex.decode(String.format("%08x", i));
                    NotifiedJob.Found f = job.find(en2, job.version, NotifiedJob.targetOf(difficulty), true, false);
                    JsonNode r = c.call("mining.submit", job.submitParams(honest + ".t", en2, f.nonce(), null));
                    if (r.path("result").asBoolean()) {
                        accepted.add(Hex.encode(Hex.reverse(f.hash())));
                    } else {
                        assertEquals(21, r.path("error").get(0).asInt(), "only stale refusals while the tip moves: " + r);
                    }
                }
            }
            flooding.join(120_000);
            assertEquals(null, floodFailure.get(), "the flood ran");
            assertEquals(BURSTS * BURST, floodSent.get(), "every flood share was answered");

            // every accepted ordinary share is in the ledger, once
            List<String> recorded = pool.pool().ledger().sharesFor(honest, 10 * ORDINARY_SHARES).stream()
                    .map(ShareRecord::shareHash).toList();
            assertEquals(accepted.size(), recorded.size(), "each accepted share recorded exactly once: " + recorded);
            assertTrue(recorded.containsAll(accepted), "the ledger holds the accepted shares");

            // the solutions written are all settled, and the blocks reached the node
            PoolHarness.await(Duration.ofSeconds(60), () -> pool.pool().ledger().blockCountsByStatus()
                    .get(BlockStatus.CANDIDATE) == 0, () -> "every written solution settled: "
                    + pool.pool().ledger().blockCountsByStatus());
            long acceptedBlocks = pool.pool().ledger().blockCountsByStatus().get(BlockStatus.ACCEPTED);
            assertTrue(acceptedBlocks >= 1, "the flood's blocks reached the node");
            assertEquals(startHeight + acceptedBlocks, pool.height(), "the node's chain holds every block recorded accepted");
            // what was not written is counted: most of the flood solves a block some block of ours already won
            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + pool.running.metrics().address().getPort() + "/metrics"))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("templar_block_solutions_dropped_total{reason=\"superseded\",}"), metrics);
            assertTrue(exhausted.isEmpty(), "the ledger's connection pool never ran dry: " + exhausted.size()
                    + " lines, first " + exhausted.peek());
        } finally {
            root.detachAppender(watch);
        }
    }

    /**
     * Bursts of arbitrary shares on the newest job (about half of them solve a block), each burst's
     * answers read before the next, as `templar bench stratum --shares arbitrary` sends them.
     */
    private static void floodBlocks(Sv1TestClient c, TestMiner flood, String user, AtomicInteger answered)
            throws Exception {
        NotifiedJob job = flood.job();
        int id = 10_000;
        for (int b = 0; b < BURSTS; b++) {
            StringBuilder burst = new StringBuilder();
            byte[] en2 = Hex.decode(String.format("%08x", 0x40000000 + b));
            for (int i = 0; i < BURST; i++) {
                burst.append("{\"id\":").append(id + i).append(",\"method\":\"mining.submit\",\"params\":")
                        .append(job.submitParams(user + ".t", en2, i, null)).append("}\n");
            }
            c.sendRaw(burst.toString());
            for (int got = 0; got < BURST;) {
                JsonNode r = c.read();
                if (r == null) {
                    throw new AssertionError("the pool closed the flooding connection");
                }
                if (r.path("method").asText().equals("mining.notify")) {
                    job = new NotifiedJob(r, flood.extranonce1(), 4);
                } else if (!r.has("method")) {
                    got++;
                    answered.incrementAndGet();
                }
            }
            id += BURST;
        }
    }
}
