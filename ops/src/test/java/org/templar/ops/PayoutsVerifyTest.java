package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.payout.PayoutLedger;

/**
 * {@code templar payouts verify} and {@code export} against a TIDES pool on the embedded node: honest
 * data passes; a tampered credit, a coinbase payment missing from the ledger and a changed share are
 * each named with the account and both amounts, and exit 4. The export alone is enough to divide a
 * block again (the test does it with its own arithmetic).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PayoutsVerifyTest {
    @Test
    void verifyPassesOnHonestDataAndNamesEachTampering(@TempDir Path dir) throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        String alice = SoloAndPoolMiningTest.newAddress();
        String bob = SoloAndPoolMiningTest.newAddress();
        Map<String, String> config = new HashMap<>(TidesInJobsTest.tidesConfig(operator, SoloAndPoolMiningTest.newAddress()));
        config.put("admin.listen", "127.0.0.1:0");
        try (PoolHarness pool = PoolHarness.start(dir, config)) {
            String adminUrl = "http://127.0.0.1:" + pool.running.admin().address().getPort();
            try (CpuMiner a = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, alice + ".rig1"));
                    CpuMiner b = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, bob + ".rig2"))) {
                PoolHarness.await(Duration.ofSeconds(120), () -> TidesInJobsTest.bothPaidIn(pool, alice, bob) >= 1,
                        "an accepted block paying both miners");
            }
            BlockRecord block = null;
            for (BlockRecord r : pool.pool().ledger().recentBlocks(200)) {
                if (r.status() == BlockStatus.ACCEPTED) {
                    Map<String, Long> outs = TidesInJobsTest.coinbaseOutputs(pool, r.hash());
                    if (outs.containsKey(TidesInJobsTest.script(alice)) && outs.containsKey(TidesInJobsTest.script(bob))) {
                        block = r;
                        break;
                    }
                }
            }
            String hash = block.hash();
            List<String> auth = List.of("--admin-url", adminUrl, "--token-file", dir.resolve("admin.token").toString());

            CliTest.Result honest = cli(auth, "payouts", "verify", "--block", hash);
            assertEquals(0, honest.code(), honest.out() + honest.err());
            assertTrue(honest.out().contains("OK") && honest.out().contains(alice) && honest.out().contains(bob), honest.out());
            CliTest.Result byHeight = cli(auth, "payouts", "verify", "--block", Long.toString(block.height()));
            assertEquals(0, byHeight.code(), byHeight.out());
            CliTest.Result all = cli(auth, "payouts", "verify", "--block", "all", "--json");
            assertEquals(0, all.code(), all.out());
            assertTrue(new ObjectMapper().readTree(all.out()).path("blocks").size() >= 2, all.out());

            // The export alone divides the block again.
            CliTest.Result export = cli(auth, "payouts", "export", "--block", hash, "--format", "json");
            assertEquals(0, export.code(), export.err());
            JsonNode exported = new ObjectMapper().readTree(export.out()).path("blocks").get(0);
            assertEquals(creditsOf(exported.path("credits")), recompute(exported), "credits recomputed from the export");
            CliTest.Result csv = cli(auth, "payouts", "export", "--block", hash, "--format", "csv");
            assertEquals(0, csv.code(), csv.err());
            assertTrue(csv.out().startsWith("block_hash,height,record,share_id,account,worker,difficulty,revenue_weight,sats\n"));
            assertTrue(csv.out().contains(hash + "," + block.height() + ",credit,," + alice + ",,,,"
                    + creditsOf(exported.path("credits")).get(alice) + "\n"), csv.out());
            assertEquals(exported.path("shares").size(), csv.out().lines().filter(l -> l.contains(",share,")).count());
            assertEquals(2, cli(auth, "payouts", "export", "--format", "csv").code(), "neither --block nor --all");
            verifyTheExportAlone(dir, export.out(), nodeUrl(pool), alice, bob);

            // A tampered credit: alice credited one satoshi more than her shares earned.
            PayoutLedger payouts = new PayoutLedger(pool.pool().ledger());
            long aliceCredit = payouts.settlement(hash).orElseThrow().credits().stream()
                    .filter(c -> c.account().equals(alice)).findFirst().orElseThrow().sats();
            sql(pool, "UPDATE block_credits SET sats = sats + 1 WHERE block_hash = ? AND account = ?", hash, alice);
            CliTest.Result tampered = cli(auth, "payouts", "verify", "--block", hash);
            assertEquals(AdminCommands.MISMATCH, tampered.code(), tampered.out());
            assertTrue(tampered.out().contains("MISMATCH " + alice + ": credited " + (aliceCredit + 1)
                    + " sat, the shares give " + aliceCredit + " sat"), tampered.out());
            sql(pool, "UPDATE block_credits SET sats = sats - 1 WHERE block_hash = ? AND account = ?", hash, alice);
            assertEquals(0, cli(auth, "payouts", "verify", "--block", hash).code());

            // A coinbase output the ledger does not know of.
            long bobPaid = payouts.settlement(hash).orElseThrow().coinbasePayments().stream()
                    .filter(c -> c.account().equals(bob)).findFirst().orElseThrow().sats();
            sql(pool, "DELETE FROM coinbase_payments WHERE block_hash = ? AND account = ?", hash, bob);
            CliTest.Result missing = cli(auth, "payouts", "verify", "--block", hash);
            assertEquals(AdminCommands.MISMATCH, missing.code(), missing.out());
            assertTrue(missing.out().contains("MISMATCH " + bob + ": the coinbase pays " + bobPaid + " sat, the ledger says 0 sat"),
                    missing.out());
            sql(pool, "INSERT INTO coinbase_payments (block_hash, account, sats) VALUES (?, ?, " + bobPaid + ")", hash, bob);
            assertEquals(0, cli(auth, "payouts", "verify", "--block", hash).code());

            // A changed share: one of bob's shares in the window made heavier after the fact.
            long windowEnd = payouts.coinbasePlanInputs(hash).orElseThrow().windowLastShareId();
            sql(pool, "UPDATE shares SET share_difficulty = share_difficulty * 4 WHERE id = (SELECT MAX(id) FROM shares "
                    + "WHERE user_name = ? AND id <= " + windowEnd + ")", bob);
            CliTest.Result share = cli(auth, "payouts", "verify", "--block", hash, "--json");
            assertEquals(AdminCommands.MISMATCH, share.code(), share.out());
            JsonNode problems = new ObjectMapper().readTree(share.out()).path("blocks").get(0).path("problems");
            assertTrue(problems.toString().contains(bob + ": credited ") && problems.toString().contains(alice + ": credited "),
                    problems.toString());
        }
    }

    /**
     * {@code payouts verify --export}: the export file alone (no admin API, no database), with the
     * node for the coinbase. Honest passes; a changed share difficulty, a removed credit, a wrong
     * credit and a wrong coinbase payment are each named; a malformed file is one clear line, exit 2.
     */
    private static void verifyTheExportAlone(Path dir, String exportJson, String nodeUrl, String alice, String bob)
            throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode doc = mapper.readTree(exportJson);
        Path file = dir.resolve("export.json");
        Files.writeString(file, exportJson);
        CliTest.Result offline = CliTest.run("payouts", "verify", "--export", file.toString());
        assertEquals(0, offline.code(), offline.out() + offline.err());
        assertTrue(offline.out().contains(": OK") && offline.out().contains(alice) && offline.out().contains(bob), offline.out());
        java.io.InputStream stdin = System.in;
        System.setIn(new java.io.ByteArrayInputStream(exportJson.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try {
            CliTest.Result piped = CliTest.run("payouts", "verify", "--export", "-");
            assertEquals(0, piped.code(), piped.out() + piped.err());
        } finally {
            System.setIn(stdin);
        }
        CliTest.Result honest = CliTest.run("payouts", "verify", "--export", file.toString(), "--node", nodeUrl, "--json");
        assertEquals(0, honest.code(), honest.out() + honest.err());
        JsonNode lines = mapper.readTree(honest.out()).path("blocks").get(0).path("accounts");
        for (JsonNode l : lines) {
            if (l.path("account").asText().equals(bob)) {
                assertEquals(l.path("paid_in_coinbase_sats").asLong(), l.path("coinbase_output_sats").asLong(), l.toString());
            }
        }
        JsonNode block = doc.path("blocks").get(0);
        long aliceCredit = creditsOf(block.path("credits")).get(alice);
        long bobPaid = creditsOf(block.path("coinbase_payments")).get(bob);

        CliTest.Result share = verifyTampered(dir, doc, nodeUrl, b -> {
            ObjectNode last = null;
            for (JsonNode s : b.path("shares")) {
                if (s.path("account").asText().equals(bob)) {
                    last = (ObjectNode) s;
                }
            }
            last.put("difficulty", last.path("difficulty").asDouble() * 4);
        });
        assertEquals(AdminCommands.MISMATCH, share.code(), share.out() + share.err());
        assertTrue(share.out().contains("MISMATCH " + bob + ": credited ") && share.out().contains("MISMATCH " + alice + ": credited "),
                share.out());

        CliTest.Result removed = verifyTampered(dir, doc, nodeUrl, b -> removeAccount((ArrayNode) b.path("credits"), alice));
        assertEquals(AdminCommands.MISMATCH, removed.code(), removed.out());
        assertTrue(removed.out().contains("MISMATCH " + alice + ": credited 0 sat, the shares give " + aliceCredit + " sat"),
                removed.out());

        CliTest.Result wrongCredit = verifyTampered(dir, doc, nodeUrl, b -> setSats((ArrayNode) b.path("credits"), alice, aliceCredit + 1));
        assertEquals(AdminCommands.MISMATCH, wrongCredit.code(), wrongCredit.out());
        assertTrue(wrongCredit.out().contains("MISMATCH " + alice + ": credited " + (aliceCredit + 1) + " sat, the shares give "
                + aliceCredit + " sat"), wrongCredit.out());

        CliTest.Result wrongPayment = verifyTampered(dir, doc, nodeUrl,
                b -> setSats((ArrayNode) b.path("coinbase_payments"), bob, bobPaid - 1));
        assertEquals(AdminCommands.MISMATCH, wrongPayment.code(), wrongPayment.out());
        assertTrue(wrongPayment.out().contains("MISMATCH " + bob + ": the coinbase pays " + bobPaid + " sat, the ledger says "
                + (bobPaid - 1) + " sat"), wrongPayment.out());

        Files.writeString(file, "{\"blocks\": [");
        CliTest.Result notJson = CliTest.run("payouts", "verify", "--export", file.toString());
        assertEquals(AdminCommands.BAD_INPUT, notJson.code(), notJson.err());
        assertTrue(notJson.err().startsWith("templar: " + file + " is not JSON: ") && !notJson.err().contains("\tat "), notJson.err());
        ObjectNode noCredits = doc.deepCopy();
        ((ObjectNode) noCredits.path("blocks").get(0)).remove("credits");
        Files.writeString(file, noCredits.toString());
        CliTest.Result missing = CliTest.run("payouts", "verify", "--export", file.toString());
        assertEquals(AdminCommands.BAD_INPUT, missing.code(), missing.err());
        assertEquals("templar: " + file + " is not a payouts export: blocks[0].credits: missing (a list of {account, sats})\n",
                missing.err());
        assertEquals(AdminCommands.BAD_INPUT, CliTest.run("payouts", "verify", "--export", dir.resolve("none.json").toString()).code());
    }

    /**
     * {@code payouts verify --export} on PPS share-credit batches: from the export alone, as the
     * pool's own verify does from its ledger, a batch whose range was widened over the next one's
     * names both batches and the shares they share (credited twice), and a batch missing between two
     * others leaves its shares, which the export holds, named as never credited; exit 4 for each.
     * The honest export, whose last batch starts above a share that is no pool share (not in the
     * export: nothing to credit), passes. No pool: the export is written here, each batch priced with
     * the test's own arithmetic.
     */
    @Test
    void theExportAloneNamesSharesCreditedTwiceOrNeverCredited(@TempDir Path dir) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode export = mapper.createObjectNode();
        export.putObject("scheme_config").put("payout_scheme", "pps").put("fee_ppm", 10_000).put("donation_ppm", 0);
        export.put("scheme", "pps").put("network", "regtest").putNull("pool_address");
        export.putArray("blocks");
        export.putArray("uncredited_shares");
        ArrayNode batches = export.putArray("share_credit_batches");
        // pool shares 1..4 and 6..7; share 5 is a solo share: between batches 2 and 3, nothing to credit
        exportedBatch(batches, 1, 0, 2, "alice", "bob");
        exportedBatch(batches, 2, 2, 4, "alice", "alice");
        exportedBatch(batches, 3, 5, 7, "bob", "alice");
        Path file = dir.resolve("share-credits.json");
        Files.writeString(file, export.toString());
        CliTest.Result honest = CliTest.run("payouts", "verify", "--export", file.toString());
        assertEquals(0, honest.code(), honest.out() + honest.err());
        assertEquals(3, honest.out().lines().filter(l -> l.startsWith("share credits batch ") && l.endsWith(": OK")).count(),
                honest.out());

        // batch 1 widened over share 3, which batch 2 credits too
        ObjectNode widened = export.deepCopy();
        ((ObjectNode) widened.path("share_credit_batches").get(0)).put("to_share_id", 3);
        Files.writeString(file, widened.toString());
        CliTest.Result twice = CliTest.run("payouts", "verify", "--export", file.toString());
        assertEquals(AdminCommands.MISMATCH, twice.code(), twice.out() + twice.err());
        assertTrue(twice.out().contains("MISMATCH batch 1 (shares 1..3): shares 3..3 are also in batch 2: credited twice"),
                twice.out());
        assertTrue(twice.out().contains("MISMATCH batch 2 (shares 3..4): shares 3..3 are also in batch 1: credited twice"),
                twice.out());
        assertEquals(2, twice.out().lines().filter(l -> l.contains("MISMATCH batch")).count(), twice.out());

        // batch 2 never written: its shares are pool shares no batch credits, as the pool's export has them
        ObjectNode removed = export.deepCopy();
        JsonNode gone = ((ArrayNode) removed.path("share_credit_batches")).remove(1);
        ((ArrayNode) removed.path("uncredited_shares")).addAll((ArrayNode) gone.path("shares"));
        Files.writeString(file, removed.toString());
        CliTest.Result never = CliTest.run("payouts", "verify", "--export", file.toString());
        assertEquals(AdminCommands.MISMATCH, never.code(), never.out() + never.err());
        assertTrue(never.out().contains("MISMATCH batch 3 (shares 6..7): 2 pool share(s) with ids 3..4 lie between the previous"
                + " batch and this one: never credited"), never.out());
        assertEquals(1, never.out().lines().filter(l -> l.contains("MISMATCH batch")).count(), never.out());
    }

    /**
     * A PPS batch of shares {@code (from, to]}, one pool share of difficulty 1 per id from {@code
     * to} down (a share id below them is no pool share), at 50 BTC and network difficulty 1000:
     * 5,000,000 sat a share, less 1 % for the pool, divided by the largest remainder.
     */
    private static void exportedBatch(ArrayNode batches, long id, long from, long to, String... accounts) {
        ObjectNode b = batches.addObject().put("id", id).put("scheme", "pps").put("from_share_id", from).put("to_share_id", to)
                .put("credited_at", "2026-12-01T00:00:0" + id + "Z").put("subsidy_sats", 5_000_000_000L)
                .put("network_difficulty", 1000.0).put("fee_blocks", 0).put("fees_sats", 0).put("fee_ppm", 10_000)
                .put("donation_ppm", 0);
        long value = 5_000_000L * accounts.length;
        long fee = value / 100;
        b.put("value_sats", value).put("credited_sats", value - fee).put("pool_sats", fee).put("donation_sats", 0);
        ArrayNode shares = b.putArray("shares");
        Map<String, BigDecimal> weights = new TreeMap<>();
        for (int i = 0; i < accounts.length; i++) {
            shares.addObject().put("id", to - accounts.length + 1 + i).put("account", accounts[i]).put("worker", accounts[i] + ".rig")
                    .put("difficulty", 1.0).put("revenue_weight", 1.0);
            weights.merge(accounts[i], BigDecimal.ONE, BigDecimal::add);
        }
        ArrayNode credits = b.putArray("credits");
        SchemesEndToEndTest.largestRemainder(value - fee, weights).forEach((account, sats) ->
                credits.addObject().put("account", account).put("sats", sats));
    }

    /** The export with one change to its first block, verified from a file with the node. */
    private static CliTest.Result verifyTampered(Path dir, JsonNode doc, String nodeUrl,
            java.util.function.Consumer<ObjectNode> change) throws Exception {
        ObjectNode copy = doc.deepCopy();
        change.accept((ObjectNode) copy.path("blocks").get(0));
        Path file = dir.resolve("tampered.json");
        Files.writeString(file, copy.toString());
        return CliTest.run("payouts", "verify", "--export", file.toString(), "--node", nodeUrl);
    }

    private static void removeAccount(ArrayNode credits, String account) {
        for (int i = 0; i < credits.size(); i++) {
            if (credits.get(i).path("account").asText().equals(account)) {
                credits.remove(i);
                return;
            }
        }
        throw new AssertionError(account + " not in " + credits);
    }

    private static void setSats(ArrayNode credits, String account, long sats) {
        for (JsonNode c : credits) {
            if (c.path("account").asText().equals(account)) {
                ((ObjectNode) c).put("sats", sats);
                return;
            }
        }
        throw new AssertionError(account + " not in " + credits);
    }

    /** The embedded node's JSON-RPC as a miner would name it: http://USER:PASSWORD@HOST:PORT. */
    static String nodeUrl(PoolHarness pool) {
        var e = pool.node.endpoint();
        return "http://" + e.user() + ":" + e.password() + "@" + e.rpcUri().getHost() + ":" + e.rpcUri().getPort();
    }

    private static CliTest.Result cli(List<String> auth, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(auth);
        return CliTest.run(a.toArray(String[]::new));
    }

    private static void sql(PoolHarness pool, String statement, String... params) throws Exception {
        try (Connection c = pool.pool().ledger().dataSource().getConnection(); PreparedStatement s = c.prepareStatement(statement)) {
            for (int i = 0; i < params.length; i++) {
                s.setString(i + 1, params[i]);
            }
            assertEquals(1, s.executeUpdate(), statement);
        }
    }

    private static Map<String, Long> creditsOf(JsonNode credits) {
        Map<String, Long> m = new TreeMap<>();
        credits.forEach(c -> m.put(c.path("account").asText(), c.path("sats").asLong()));
        return m;
    }

    /**
     * Reward less fee and donation (both rounded down), divided over the exported shares (the window
     * holds them all) by the largest remainder rule, in BigDecimal: what a miner would write.
     */
    private static Map<String, Long> recompute(JsonNode block) {
        long reward = block.path("reward_sats").asLong();
        long miners = reward - reward * TidesInJobsTest.FEE_PPM / 1_000_000 - reward * TidesInJobsTest.DONATION_PPM / 1_000_000;
        Map<String, BigDecimal> weights = new TreeMap<>();
        for (JsonNode s : block.path("shares")) {
            weights.merge(s.path("account").asText(), new BigDecimal(s.path("difficulty").asDouble())
                    .multiply(new BigDecimal(s.path("revenue_weight").asDouble())), BigDecimal::add);
        }
        return SchemesEndToEndTest.largestRemainder(miners, weights);
    }
}
