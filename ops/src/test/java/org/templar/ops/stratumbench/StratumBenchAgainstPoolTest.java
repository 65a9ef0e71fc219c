package org.templar.ops.stratumbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.templar.ops.PoolHarness;
import org.templar.regtest.RegtestNode;

/**
 * `templar bench stratum` against a real pool on loopback (embedded node, H2), small enough to run in
 * seconds: what it reports must be what happened. The pool shares this JVM here, so its RSS figures
 * mean little; the bench script runs the pool in its own process.
 */
class StratumBenchAgainstPoolTest {
    @TempDir
    Path dir;

    @Test
    void connectNotifyAndSubmitReportSaneFigures() throws Exception {
        // below regtest's network difficulty: every hash is a share, so the bench submits real valid ones
        Map<String, String> low = Map.of("vardiff.minimum", "1e-12", "vardiff.initial", "1e-12", "vardiff.maximum", "1e-12");
        try (PoolHarness pool = PoolHarness.start(dir, low)) {
            String url = "stratum+tcp://127.0.0.1:" + pool.sv1().getPort();
            String pid = Long.toString(ProcessHandle.current().pid());

            ByteArrayOutputStream text = new ByteArrayOutputStream();
            StratumBench.Result connect = StratumBench.run(StratumBenchOptions.parse("connect", "--url", url,
                    "--connections", "50", "--concurrency", "10", "--server-pid", pid),
                    new PrintStream(text, true, StandardCharsets.UTF_8));
            String report = text.toString(StandardCharsets.UTF_8);
            assertEquals(50, connect.handshaken(), report);
            assertEquals(0, connect.failed(), report);
            assertTrue(connect.handshakesPerSecond() > 0, report);
            assertTrue(connect.handshakeP50Millis() > 0 && connect.handshakeP50Millis() <= connect.handshakeP99Millis(), report);
            assertTrue(report.contains("stratum_handshakes 50 ok, 0 failed, 0 authorize refused"), report);
            assertTrue(report.contains("server_rss_per_connection"), report);

            RegtestNode node = pool.pool().embeddedNode().orElseThrow();
            String rpc = "http://" + node.rpcUser() + ":" + node.rpcPassword() + "@127.0.0.1:" + node.rpcUri().getPort();
            int height = node.chain().height();
            text.reset();
            StratumBench.Result notify = StratumBench.run(StratumBenchOptions.parse("notify", "--url", url,
                    "--connections", "20", "--rounds", "1", "--node-rpc", rpc), new PrintStream(text, true, StandardCharsets.UTF_8));
            report = text.toString(StandardCharsets.UTF_8);
            assertEquals(20, notify.handshaken(), report);
            assertTrue(notify.notifyP99Millis() > 0, report);
            assertTrue(report.contains("stratum_notify_rounds 1 blocks, 20 connections each"), report);
            assertEquals(height + 1, node.chain().height(), "the bench made its blocks on the pool's node");

            text.reset();
            long sharesBefore = pool.pool().ledger().shareCount();
            StratumBench.Result submit = StratumBench.run(StratumBenchOptions.parse("submit", "--url", url,
                    "--connections", "4", "--window", "4", "--seconds", "1", "--warmup", "0"), new PrintStream(text, true, StandardCharsets.UTF_8));
            report = text.toString(StandardCharsets.UTF_8);
            assertTrue(submit.answered() > 0, report);
            assertTrue(submit.answerP99Millis() > 0, report);
            assertTrue(report.matches("(?s).*stratum_submits \\d+ sent \\(\\d+ valid at the announced difficulty\\), \\d+ answered: "
                    + "\\d+ accepted, 0 rejected.*"), report);
            assertTrue(pool.pool().ledger().shareCount() - sharesBefore >= submit.answered(),
                    "every accepted answer is a share in the ledger");
        }
    }

    @Test
    void aStormAtTheCapIsRefusedAndTheHeldConnectionsStay() throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("limits.max_connections", "10"))) {
            String url = "stratum+tcp://127.0.0.1:" + pool.sv1().getPort();
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            StratumBench.Result r = StratumBench.run(StratumBenchOptions.parse("storm", "--url", url,
                    "--connections", "10", "--concurrency", "20", "--seconds", "1",
                    "--server-pid", Long.toString(ProcessHandle.current().pid())),
                    new PrintStream(text, true, StandardCharsets.UTF_8));
            String report = text.toString(StandardCharsets.UTF_8);
            assertEquals(10, r.handshaken(), report);
            StratumBench.Storm s = r.storm();
            assertTrue(s.attempts() > 20, report);
            assertEquals(0, s.admitted(), "the cap let a storm connection in: " + report);
            assertEquals(s.attempts(), s.refused() + s.connectFailed() + s.undecided(), report);
            assertTrue(s.refused() > 0, report);
            assertTrue(report.contains("stratum_storm " + s.attempts() + " attempts"), report);
            assertTrue(report.contains("server_cpu_during_storm"), report);
        }
    }
}
