package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.payout.Ledger;
import org.templar.payout.PayoutLedger;
import org.templar.payout.ShareRecord;
import org.templar.payout.scheme.FoundBlock;
import org.templar.payout.scheme.PayoutScheme.SchemeKind;
import org.templar.payout.scheme.Pplns;

/**
 * {@code templar ledger compact} against a running PPLNS pool: old shares go into aggregates, the
 * status still counts every share, and {@code payouts verify} of a mature block whose window was
 * compacted says so and exits 0 instead of reporting a mismatch.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LedgerCompactTest {
    @Test
    void compactsOldSharesAndVerifySaysTheDetailIsGone(@TempDir Path dir) throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("pool.payout_address", operator, "admin.listen", "127.0.0.1:0",
                "ledger.compact_minutes", "0"))) {
            List<String> auth = List.of("--admin-url", "http://127.0.0.1:" + pool.running.admin().address().getPort(),
                    "--token-file", dir.resolve("admin.token").toString());
            Ledger ledger = pool.pool().ledger();
            Instant old = Instant.now().minus(Duration.ofDays(40)).truncatedTo(ChronoUnit.SECONDS);
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                acks.add(ledger.recordShare(ShareRecord.of(i % 3 == 0 ? "bob" : "alice.rig" + (i % 2), "j", "c", 0.25 * (1 + i % 3),
                        1, String.format("%064x", i + 1), false, ShareRecord.POOL, old.plusSeconds(i))));
            }
            CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);

            // a block found with the 250th share, credited from its window as the tracker does, then mature
            Instant foundAt = old.plusSeconds(250);
            String hash = String.format("%064x", 0xb10c);
            ledger.recordBlockCandidate(BlockRecord.candidate(1_000_000, hash, "alice.rig1", 5_000_000_000L, operator, foundAt));
            ledger.updateBlockStatus(hash, BlockStatus.SUBMITTED, null);
            PayoutLedger payouts = new PayoutLedger(ledger);
            Pplns pplns = (Pplns) pool.pool().config().pool().payout().scheme();
            double difficulty = pool.pool().nodes().primary().getBlockchainInfo().get(10, TimeUnit.SECONDS).path("difficulty").asDouble();
            payouts.credit(hash, SchemeKind.PPLNS, pplns.distribute(new FoundBlock(5_000_000_000L, difficulty, "alice"),
                    payouts.windowEndingAt(foundAt, pplns.windowLength(difficulty))));
            payouts.confirm(hash, 100);
            CliTest.Result before = cli(auth, "payouts", "verify", "--block", hash);
            assertEquals(0, before.code(), before.out() + before.err());
            assertTrue(before.out().contains(": OK"), before.out());

            CliTest.Result dry = cli(auth, "ledger", "compact", "--dry-run", "--json");
            assertEquals(0, dry.code(), dry.err());
            JsonNode plan = new ObjectMapper().readTree(dry.out());
            assertTrue(plan.path("dry_run").asBoolean());
            assertEquals(0, plan.path("cut").path("unsettled_blocks").asInt(), dry.out());
            assertEquals(500, ledger.shareCount(), "a dry run changes nothing");

            CliTest.Result run = cli(auth, "ledger", "compact", "--json");
            assertEquals(0, run.code(), run.err());
            JsonNode summary = new ObjectMapper().readTree(run.out());
            long compacted = summary.path("shares_compacted").asLong();
            // regtest's window (2 x the network difficulty) is the newest share
            assertTrue(compacted >= 498 && compacted < 500, run.out());
            assertTrue(summary.path("done").asBoolean());
            assertEquals(500 - compacted, summary.path("shares_in_detail").asLong());

            JsonNode status = new ObjectMapper().readTree(cli(auth, "status", "--json").out());
            assertEquals(500, status.path("shares_recorded").asLong(), status.toString());
            assertEquals(compacted, status.path("shares_compacted").asLong());

            io.prometheus.client.CollectorRegistry registry = new io.prometheus.client.CollectorRegistry();
            new PrometheusMetrics(registry).registerLiveStats(pool.pool());
            String metrics = PrometheusMetricsTest.scrape(registry);
            assertTrue(metrics.contains("templar_ledger_shares{state=\"compacted\",} " + compacted + ".0"), metrics);
            assertTrue(metrics.contains("templar_ledger_shares{state=\"detail\",} " + (500 - compacted) + ".0"), metrics);

            CliTest.Result after = cli(auth, "payouts", "verify", "--block", hash);
            assertEquals(0, after.code(), "a compacted window is not a mismatch: " + after.out());
            assertTrue(after.out().contains("SHARES COMPACTED") && after.out().contains("cannot be recomputed"), after.out());
            JsonNode export = new ObjectMapper().readTree(cli(auth, "payouts", "export", "--block", hash).out());
            assertTrue(export.path("blocks").get(0).path("shares_compacted").isTextual(), export.toString());
            assertEquals(0, export.path("blocks").get(0).path("shares").size());

            CliTest.Result again = cli(auth, "ledger", "compact");
            assertEquals(0, again.code(), again.err());
            assertTrue(again.out().startsWith("0 shares compacted"), again.out());
            assertEquals(2, cli(auth, "ledger", "compact", "--max-seconds", "0").code());
        }
    }

    private static CliTest.Result cli(List<String> auth, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(auth);
        return CliTest.run(a.toArray(String[]::new));
    }
}
