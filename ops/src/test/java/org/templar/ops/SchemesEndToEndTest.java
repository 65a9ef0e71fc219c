package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.templar.client.miner.CpuMiner;
import org.templar.payout.Balance;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockSettlement;
import org.templar.payout.BlockStatus;
import org.templar.payout.PayoutLedger;
import org.templar.payout.scheme.Credit;
import org.templar.regtest.RawBlock;
import org.templar.regtest.RegtestChain;

/**
 * Every payout scheme the configuration accepts, end to end on the embedded node: two CPU miners with
 * their own addresses find blocks through the real pool; the test divides every credited block again
 * with its own arithmetic (BigDecimal and BigInteger, nothing of the payout module) from the shares it
 * reads back from the ledger, and checks the ledger's credits, the balances and, for the in-coinbase
 * schemes (solo, tides), the outputs of each coinbase as the node has it. Then a longer side branch
 * from just below the pool's highest credited block pushes that block out of the best chain: it must
 * become ORPHANED with its credits reversed (balances back, nothing counted twice), and
 * {@code templar payouts verify --block all} must pass on the honest ledger, and name each tampering
 * (a wrong amount, a missing output or credit, a share moved to the other miner) with the account
 * and both amounts, exit 4.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SchemesEndToEndTest {
    private static final long FEE_PPM = 10_000; // 1 %
    private static final long DONATION_PPM = 5_000; // 0.5 %, tides only
    /** Share difficulty, fixed: on regtest every share is also a block (the network difficulty is ~4.7e-10). */
    private static final String SHARE_DIFFICULTY = "0.001";
    /**
     * PPS prices a share at subsidy x difficulty / network difficulty: on regtest a share of 0.001 is
     * worth two million blocks, more than all bitcoin. At 0.00001 (regtest's lowest) a share is worth
     * about 1.07e14 sat, so a handful of them stays within MAX_MONEY.
     */
    private static final String PPS_SHARE_DIFFICULTY = "0.00001";
    private static final int PPS_SHARES_PER_MINER = 3;
    /** PPLNS and TIDES windows short enough that the oldest share they count is cut at the edge. */
    private static final double WINDOW_FACTOR = 5.5e6; // x ~4.66e-10: about 2.6 shares of 0.001

    private record Share(long id, String account, double difficulty, double revenueWeight, Instant at) {}

    /** One block divided: the miners' credits, the pool's part, the donation. */
    private record Division(Map<String, Long> credits, long pool, long donation) {}

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"solo", "pplns", "prop", "pps", "fpps", "tides"})
    void minersArePaidAsTheSchemeSaysAndAReorgTakesItBack(String scheme, @TempDir Path dir) throws Exception {
        boolean solo = scheme.equals("solo");
        boolean tides = scheme.equals("tides");
        boolean pps = scheme.equals("pps") || scheme.equals("fpps");
        boolean inCoinbase = solo || tides;
        String operator = SoloAndPoolMiningTest.newAddress();
        String donation = SoloAndPoolMiningTest.newAddress();
        String alice = SoloAndPoolMiningTest.newAddress();
        String bob = SoloAndPoolMiningTest.newAddress();
        Map<String, String> config = new HashMap<>();
        config.put("pool.payout_scheme", scheme);
        config.put("pool.track_seconds", "1");
        config.put("pool.orphan_depth", "1");
        config.put("node.refresh_seconds", "1");
        config.put("admin.listen", "127.0.0.1:0");
        String difficulty = pps ? PPS_SHARE_DIFFICULTY : SHARE_DIFFICULTY;
        config.put("vardiff.minimum", difficulty);
        config.put("vardiff.initial", difficulty);
        config.put("vardiff.maximum", difficulty);
        if (!solo) {
            config.put("pool.payout_address", operator);
            config.put("pool.fee_percent", "1");
            config.put("pool.pplns_window", Double.toString(WINDOW_FACTOR));
        }
        if (tides) {
            config.put("pool.tides_window", Double.toString(WINDOW_FACTOR));
            config.put("pool.donation_percent", "0.5");
            config.put("pool.donation_address", donation);
            config.put("pool.dust_sats", "0"); // every miner of the window gets its output: nothing carried
        }
        try (PoolHarness pool = PoolHarness.start(dir, config)) {
            PayoutLedger payouts = new PayoutLedger(pool.pool().ledger());
            var alicesRig = SoloAndPoolMiningTest.miner(pool, alice + ".rig1");
            var bobsRig = SoloAndPoolMiningTest.miner(pool, bob + ".rig2");
            if (pps) {
                alicesRig = alicesRig.withLimits(0, PPS_SHARES_PER_MINER, Duration.ZERO);
                bobsRig = bobsRig.withLimits(0, PPS_SHARES_PER_MINER, Duration.ZERO);
            }
            try (CpuMiner a = CpuMiner.start(alicesRig); CpuMiner b = CpuMiner.start(bobsRig)) {
                if (pps) {
                    a.termination().get(90, TimeUnit.SECONDS);
                    b.termination().get(90, TimeUnit.SECONDS);
                } else {
                    PoolHarness.await(Duration.ofSeconds(90), () -> creditedBoth(pool, payouts, alice, bob)
                            && credited(pool, payouts).size() >= 3,
                            () -> "three credited blocks, both miners credited: " + story(pool, payouts));
                }
            }
            // the miners are gone: every block gets its verdict and every accepted one its credit
            // (a stale block below the tip is orphaned one block later: orphan_depth 1)
            PoolHarness.await(Duration.ofSeconds(30), () -> {
                long tip = tipHeight(pool);
                return blocks(pool).stream().noneMatch(x -> x.status() == BlockStatus.CANDIDATE || x.status() == BlockStatus.SUBMITTED
                        || (x.status() == BlockStatus.STALE && x.height() < tip))
                        && blocks(pool).stream().filter(x -> x.status() == BlockStatus.ACCEPTED)
                                .allMatch(x -> payouts.settlement(x.hash()).map(s -> s.state().applied()).orElse(false));
            }, () -> "every block judged and credited: " + story(pool, payouts));

            // Each credited block, divided again.
            Map<String, Division> expected = new HashMap<>();
            for (BlockRecord block : credited(pool, payouts)) {
                Division d = divide(pool, payouts, scheme, block, operator);
                expected.put(block.hash(), d);
                BlockSettlement s = payouts.settlement(block.hash()).orElseThrow();
                assertEquals(block.rewardSats(), s.rewardSats(), block.hash());
                assertEquals(credits(d.credits()), s.credits(), scheme + " credits of " + block.hash() + " at " + block.height());
                assertEquals(d.pool(), s.poolSats(), "pool part of " + block.hash());
                assertEquals(d.donation(), s.donationSats(), "donation of " + block.hash());
                if (inCoinbase) {
                    assertEquals(credits(d.credits()), s.coinbasePayments(), "all paid in the coinbase, nothing carried");
                    Map<String, Long> outs = TidesInJobsTest.coinbaseOutputs(pool, block.hash());
                    Map<String, Long> want = new HashMap<>();
                    d.credits().forEach((account, sats) -> want.merge(TidesInJobsTest.script(account), sats, Long::sum));
                    if (d.pool() > 0) {
                        want.merge(TidesInJobsTest.script(operator), d.pool(), Long::sum);
                    }
                    if (d.donation() > 0) {
                        want.merge(TidesInJobsTest.script(donation), d.donation(), Long::sum);
                    }
                    assertEquals(want, outs, "the coinbase of " + block.hash() + " as the node has it");
                }
            }
            Set<String> everyone = Set.of(alice, bob, operator);
            Map<String, Long> shareCredits = pps ? awaitShareCredits(pool, payouts, scheme) : Map.of();
            if (pps) {
                assertTrue(shareCredits.getOrDefault(alice, 0L) > 0 && shareCredits.getOrDefault(bob, 0L) > 0, shareCredits.toString());
            } else {
                assertTrue(expected.values().stream().anyMatch(d -> d.credits().containsKey(alice)), "alice credited");
                assertTrue(expected.values().stream().anyMatch(d -> d.credits().containsKey(bob)), "bob credited");
            }
            checkBalances(payouts, everyone, expected, shareCredits);

            // A longer side branch from just below the highest credited block: it leaves the best chain.
            BlockRecord top = credited(pool, payouts).stream().filter(x -> x.status() == BlockStatus.ACCEPTED)
                    .max(java.util.Comparator.comparingLong(BlockRecord::height)).orElseThrow();
            RegtestChain chain = pool.pool().embeddedNode().orElseThrow().chain();
            org.templar.regtest.BlockRecord parent = chain.blockAt((int) top.height() - 1).orElseThrow();
            int length = chain.height() - parent.height() + 1;
            for (int i = 0; i < length; i++) {
                RawBlock side = BlockSettledWebhookTest.childOf(chain, parent, 9_000 + i);
                String verdict = chain.submitBlock(side);
                assertTrue(verdict == null || verdict.equals("inconclusive"), "side block " + i + ": " + verdict);
                parent = chain.block(side.hash()).orElseThrow();
            }
            assertEquals(parent.hash(), chain.tipHash(), "the side branch is the best chain");
            long forkHeight = top.height();
            PoolHarness.await(Duration.ofSeconds(30), () -> blocks(pool).stream().noneMatch(x -> x.status() == BlockStatus.STALE)
                    && blocks(pool).stream().filter(x -> x.height() >= forkHeight)
                    .allMatch(x -> x.status() == BlockStatus.ORPHANED || x.status() == BlockStatus.REJECTED),
                    () -> "every pool block from height " + forkHeight + " orphaned: " + story(pool, payouts));
            BlockSettlement reversed = payouts.settlement(top.hash()).orElseThrow();
            assertEquals(BlockSettlement.State.REVERSED, reversed.state());
            assertEquals(credits(expected.get(top.hash()).credits()), reversed.credits(), "the reversed credits are still shown");
            Map<String, Division> remaining = new HashMap<>();
            for (BlockRecord block : blocks(pool)) {
                var s = payouts.settlement(block.hash());
                if (block.status() == BlockStatus.ORPHANED || block.status() == BlockStatus.REJECTED) {
                    assertTrue(s.isEmpty() || s.get().state() == BlockSettlement.State.REVERSED, block + " " + s);
                } else {
                    assertEquals(BlockStatus.ACCEPTED, block.status(), block.toString());
                    assertTrue(expected.containsKey(block.hash()), "an accepted block credited before the reorg: " + block);
                    remaining.put(block.hash(), expected.get(block.hash()));
                }
            }
            assertFalse(remaining.containsKey(top.hash()));
            checkBalances(payouts, everyone, remaining, shareCredits);

            List<String> auth = List.of("--admin-url", "http://127.0.0.1:" + pool.running.admin().address().getPort(),
                    "--token-file", dir.resolve("admin.token").toString());
            List<String> args = new ArrayList<>(List.of("payouts", "verify", "--block", "all"));
            args.addAll(auth);
            JsonNode verified = new AdminApi(pool.pool()).handle("GET", "/api/payouts/verify", Map.of("block", "all")).body();
            CliTest.Result verify = CliTest.run(args.toArray(String[]::new));
            assertEquals(0, verify.code(), verify.out() + verify.err() + verified);
            assertTrue(verified.path("ok").asBoolean(), verified.toString());
            // every block credited before the reorg, the reversed one included
            assertTrue(verified.path("blocks").size() >= expected.size(), verified.toString());
            // and from the export alone, as a miner without the pool's database checks it
            CliTest.Result exported = cli(auth, "payouts", "export", "--all");
            assertEquals(0, exported.code(), exported.err());
            java.nio.file.Files.writeString(dir.resolve("export.json"), exported.out());
            CliTest.Result fromExport = CliTest.run("payouts", "verify", "--export", dir.resolve("export.json").toString(),
                    "--node", PayoutsVerifyTest.nodeUrl(pool));
            assertEquals(0, fromExport.code(), fromExport.out() + fromExport.err());
            assertEquals(verified.path("blocks").size(), fromExport.out().lines().filter(l -> l.startsWith("block ")).count(),
                    fromExport.out());

            // Tampered data: each change named with the account and both amounts, exit 4; undone, it passes again.
            // the highest block still in the chain (the reversed one when it was the only one)
            // (and one that pays a miner: a TIDES block on a job planned before any share pays only the operator)
            BlockRecord victim = blocks(pool).stream().filter(x -> remaining.containsKey(x.hash()))
                    .filter(x -> pps || remaining.get(x.hash()).credits().containsKey(alice)
                            || remaining.get(x.hash()).credits().containsKey(bob))
                    .max(java.util.Comparator.comparingLong(BlockRecord::height))
                    .orElseGet(() -> pool.pool().ledger().blockByHash(top.hash()).orElseThrow());
            String hash = victim.hash();
            Division honest = expected.get(hash);
            if (pps) {
                // a wrong amount: the block is the pool's whole, the ledger credits a miner with part of it
                sql(pool, "INSERT INTO block_credits (block_hash, account, sats) VALUES (?, ?, 1000)", hash, alice);
                expectMismatch(auth, hash, alice + ": credited 1000 sat, the shares give 0 sat");
                sql(pool, "DELETE FROM block_credits WHERE block_hash = ? AND account = ?", hash, alice);
                checkShareCredits(pool, auth, scheme, alice);
            } else {
                String account = honest.credits().keySet().stream().filter(a -> a.equals(alice) || a.equals(bob)).findFirst()
                        .orElseThrow(() -> new AssertionError("a miner credited in " + hash + ": " + honest));
                long sats = honest.credits().get(account);
                // a wrong amount
                sql(pool, "UPDATE block_credits SET sats = sats + 1 WHERE block_hash = ? AND account = ?", hash, account);
                expectMismatch(auth, hash, account + ": credited " + (sats + 1) + " sat, the shares give " + sats + " sat");
                sql(pool, "UPDATE block_credits SET sats = sats - 1 WHERE block_hash = ? AND account = ?", hash, account);
                // a missing output: the coinbase pays the miner, the ledger does not know of it
                String table = inCoinbase ? "coinbase_payments" : "block_credits";
                sql(pool, "DELETE FROM " + table + " WHERE block_hash = ? AND account = ?", hash, account);
                expectMismatch(auth, hash, inCoinbase ? account + ": the coinbase pays " + sats + " sat, the ledger says 0 sat"
                        : account + ": credited 0 sat, the shares give " + sats + " sat");
                sql(pool, "INSERT INTO " + table + " (block_hash, account, sats) VALUES (?, ?, " + sats + ")", hash, account);
            }
            if (!pps && !solo) {
                // a changed share: the newest one the block counted, moved to the other miner. For PROP
                // the newest of its round: ids follow the commit order and times are taken on the
                // sessions' threads, so the newest id at or before the block's time can carry a time
                // before the round's start, outside the round. A PROP round can also hold no share at
                // all (a block found right after another, its solving share timed after the block): it
                // then pays the finder everything and has no share to change, so the highest block
                // still in the chain whose window has a share is the one changed.
                List<BlockRecord> candidates = blocks(pool).stream().filter(x -> remaining.containsKey(x.hash()))
                        .filter(x -> remaining.get(x.hash()).credits().containsKey(alice)
                                || remaining.get(x.hash()).credits().containsKey(bob))
                        .sorted(java.util.Comparator.comparingLong(BlockRecord::height).reversed()).toList();
                BlockRecord changedBlock = null;
                List<Share> counted = List.of();
                for (BlockRecord b : candidates) {
                    OffsetDateTime foundAt = OffsetDateTime.ofInstant(b.foundAt(), ZoneOffset.UTC);
                    counted = scheme.equals("prop")
                            ? shares(pool, "submitted_at > ? AND submitted_at <= ?",
                                    OffsetDateTime.ofInstant(roundStart(pool, b), ZoneOffset.UTC), foundAt)
                            : shares(pool, "submitted_at <= ?", foundAt);
                    if (!counted.isEmpty()) {
                        changedBlock = b;
                        break;
                    }
                }
                assertNotNull(changedBlock, "a block still in the chain with a share in its window: " + candidates);
                String changedHash = changedBlock.hash();
                Division changedHonest = expected.get(changedHash);
                long id = scheme.equals("tides") ? payouts.coinbasePlanInputs(changedHash).orElseThrow().windowLastShareId()
                        : counted.stream().mapToLong(Share::id).max().orElseThrow();
                Share share = shares(pool, "id = ?", id).get(0);
                String to = share.account().equals(alice) ? bob : alice;
                sql(pool, "UPDATE shares SET worker = ?, user_name = ?, worker_name = 'rig9' WHERE id = " + id, to + ".rig9", to);
                Division changed = divide(pool, payouts, scheme, changedBlock, operator);
                assertFalse(changed.credits().equals(changedHonest.credits()), "the share counted: " + changedHonest + " / " + changed);
                for (String a : List.of(alice, bob)) {
                    long was = changedHonest.credits().getOrDefault(a, 0L);
                    long now = changed.credits().getOrDefault(a, 0L);
                    if (was != now) {
                        expectMismatch(auth, changedHash, a + ": credited " + was + " sat, the shares give " + now + " sat");
                    }
                }
                sql(pool, "UPDATE shares SET worker = ?, user_name = ? WHERE id = " + id, share.account() + ".rig9", share.account());
                assertEquals(0, cli(auth, "payouts", "verify", "--block", changedHash).code(), "the ledger restored");
            }
            assertEquals(0, cli(auth, "payouts", "verify", "--block", hash).code(), "the ledger restored");
        }
    }

    private static CliTest.Result cli(List<String> auth, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(auth);
        return CliTest.run(a.toArray(String[]::new));
    }

    private static void expectMismatch(List<String> auth, String hash, String problem) {
        CliTest.Result r = cli(auth, "payouts", "verify", "--block", hash);
        assertEquals(AdminCommands.MISMATCH, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("MISMATCH " + problem), "'" + problem + "' in: " + r.out());
    }

    private static void sql(PoolHarness pool, String statement, String... params) throws Exception {
        try (Connection c = pool.pool().ledger().dataSource().getConnection(); PreparedStatement s = c.prepareStatement(statement)) {
            for (int i = 0; i < params.length; i++) {
                s.setString(i + 1, params[i]);
            }
            assertEquals(1, s.executeUpdate(), statement);
        }
    }

    /** Balances as the recomputed divisions (and PPS share credits) say they must be: every account, every column. */
    private static void checkBalances(PayoutLedger payouts, Set<String> accounts, Map<String, Division> credited,
            Map<String, Long> shareCredits) {
        Map<String, Long> immature = new HashMap<>();
        credited.values().forEach(d -> d.credits().forEach((account, sats) -> immature.merge(account, sats, Long::sum)));
        Set<String> all = new HashSet<>(accounts);
        all.addAll(immature.keySet());
        all.addAll(shareCredits.keySet());
        for (String account : all) {
            assertEquals(new Balance(account, immature.getOrDefault(account, 0L), shareCredits.getOrDefault(account, 0L), 0, 0, 0),
                    payouts.balance(account), account);
        }
    }

    /** The pool's blocks (every one the test could have made). */
    private static List<BlockRecord> blocks(PoolHarness pool) {
        return pool.pool().ledger().recentBlocks(500);
    }

    /** Blocks whose settlement is applied (in the balances: not held off the chain, not reversed). */
    private static List<BlockRecord> credited(PoolHarness pool, PayoutLedger payouts) {
        List<BlockRecord> out = new ArrayList<>();
        for (BlockRecord b : blocks(pool)) {
            var s = payouts.settlement(b.hash());
            if (s.isPresent() && s.get().state().applied()) {
                out.add(b);
            }
        }
        return out;
    }

    private static long tipHeight(PoolHarness pool) {
        try {
            return pool.height();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static boolean creditedBoth(PoolHarness pool, PayoutLedger payouts, String alice, String bob) {
        boolean a = false;
        boolean b = false;
        for (BlockRecord block : credited(pool, payouts)) {
            for (Credit c : payouts.settlement(block.hash()).orElseThrow().credits()) {
                a |= c.account().equals(alice);
                b |= c.account().equals(bob);
            }
        }
        return a && b;
    }

    private static String story(PoolHarness pool, PayoutLedger payouts) {
        StringBuilder s = new StringBuilder();
        for (BlockRecord b : blocks(pool)) {
            s.append(' ').append(b.height()).append(':').append(b.status()).append(':').append(b.user(), 0, 12)
                    .append(payouts.settlement(b.hash()).map(x -> ":" + x.state()).orElse(""));
        }
        return s.toString();
    }

    private static List<Credit> credits(Map<String, Long> m) {
        List<Credit> out = new ArrayList<>();
        new TreeMap<>(m).forEach((account, sats) -> out.add(new Credit(account, sats)));
        return out;
    }

    // ------------------------------------------------------------------ the test's own arithmetic

    /** What {@code block} must pay whom under {@code scheme}, from the ledger's shares and the node's chain. */
    private static Division divide(PoolHarness pool, PayoutLedger payouts, String scheme, BlockRecord block, String operator)
            throws Exception {
        long reward = block.rewardSats();
        long fee = ppmOf(reward, scheme.equals("solo") ? 0 : FEE_PPM);
        switch (scheme) {
            case "solo":
                return new Division(Map.of(block.user(), reward), 0, 0);
            case "pps":
            case "fpps":
                return new Division(Map.of(), reward, 0); // the shares were paid as they came: the block is the pool's
            case "pplns": {
                double networkDifficulty = pool.rpc("getblockheader", block.hash(), true).path("difficulty").asDouble();
                List<Share> shares = shares(pool, "submitted_at <= ?", OffsetDateTime.ofInstant(block.foundAt(), ZoneOffset.UTC));
                return proportional(reward, fee, 0, lastN(shares, window(networkDifficulty)), block.user());
            }
            case "prop": {
                Instant start = roundStart(pool, block);
                List<Share> shares = shares(pool, "submitted_at > ? AND submitted_at <= ?",
                        OffsetDateTime.ofInstant(start, ZoneOffset.UTC), OffsetDateTime.ofInstant(block.foundAt(), ZoneOffset.UTC));
                Map<String, BigDecimal> weights = new TreeMap<>();
                shares.forEach(s -> weights.merge(s.account(), exact(s.difficulty()).multiply(exact(s.revenueWeight())), BigDecimal::add));
                return proportional(reward, fee, 0, weights, block.user());
            }
            case "tides": {
                PayoutLedger.PlanInputs inputs = payouts.coinbasePlanInputs(block.hash()).orElseThrow();
                // the plan's difficulty comes from the template's bits; the node's figure may be an ulp off
                double networkDifficulty = inputs.networkDifficulty();
                double nodes = pool.rpc("getblockheader", block.hash(), true).path("difficulty").asDouble();
                assertEquals(nodes, networkDifficulty, nodes * 1e-12, "the plan's network difficulty is the block's");
                assertEquals(List.of(), inputs.carriedIn(), "nothing carried in");
                List<Share> shares = shares(pool, "id <= ?", inputs.windowLastShareId());
                // the pool's own address stands as the finder of a block whose window is empty
                return proportional(reward, fee, ppmOf(reward, DONATION_PPM), lastN(shares, window(networkDifficulty)), operator);
            }
            default:
                throw new AssertionError(scheme);
        }
    }

    /**
     * Where the PROP round of {@code block} starts: when the pool's latest earlier block of the same
     * chain was found (its ancestor on the node, followed by previousblockhash), or the beginning.
     * A block on another branch (a stale sibling, an orphan) ends nobody's round: its shares belong
     * to the round of the next block the chain keeps.
     */
    private static Instant roundStart(PoolHarness pool, BlockRecord block) throws Exception {
        Map<Long, String> ancestors = new HashMap<>();
        String hash = block.hash();
        for (long h = block.height(); h > 0; h--) {
            JsonNode header = pool.rpc("getblockheader", hash, true);
            ancestors.put(h, hash);
            hash = header.path("previousblockhash").asText();
        }
        Instant start = Instant.EPOCH;
        for (BlockRecord b : blocks(pool)) {
            if (b.foundAt().isBefore(block.foundAt()) && b.height() < block.height() && b.hash().equals(ancestors.get(b.height()))
                    && b.foundAt().isAfter(start)) {
                start = b.foundAt();
            }
        }
        return start;
    }

    /** Fee (and donation) first, rounded down; the rest by the weights; with no weight, all to the finder. */
    private static Division proportional(long reward, long fee, long donation, Map<String, BigDecimal> weights, String finder) {
        long miners = reward - fee - donation;
        weights.values().removeIf(w -> w.signum() == 0);
        Map<String, Long> credits = weights.isEmpty() ? Map.of(finder, miners) : largestRemainder(miners, weights);
        return new Division(credits, fee, donation);
    }

    /** {@code amount} in proportion to the weights: floors, then one satoshi each to the largest remainders, ties by name. */
    static Map<String, Long> largestRemainder(long amount, Map<String, BigDecimal> weights) {
        BigDecimal total = weights.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        Map<String, Long> out = new TreeMap<>();
        Map<String, BigDecimal> rest = new HashMap<>();
        long given = 0;
        for (Map.Entry<String, BigDecimal> e : weights.entrySet()) {
            BigDecimal exact = BigDecimal.valueOf(amount).multiply(e.getValue());
            BigDecimal floor = exact.divide(total, 0, RoundingMode.FLOOR);
            out.put(e.getKey(), floor.longValueExact());
            rest.put(e.getKey(), exact.subtract(total.multiply(floor)));
            given += floor.longValueExact();
        }
        List<String> order = new ArrayList<>(weights.keySet());
        order.sort((x, y) -> rest.get(y).compareTo(rest.get(x)) != 0 ? rest.get(y).compareTo(rest.get(x)) : x.compareTo(y));
        for (int i = 0; i < amount - given; i++) {
            out.merge(order.get(i), 1L, Long::sum);
        }
        out.values().removeIf(v -> v == 0);
        return out;
    }

    private static BigDecimal window(double networkDifficulty) {
        return exact(WINDOW_FACTOR).multiply(exact(networkDifficulty));
    }

    /**
     * The newest shares worth {@code length} of difficulty, walking back from the newest: the share
     * that crosses the edge counts for the part inside it only; each part times its revenue weight.
     */
    private static Map<String, BigDecimal> lastN(List<Share> oldestFirst, BigDecimal length) {
        Map<String, BigDecimal> weights = new TreeMap<>();
        BigDecimal left = length;
        for (int i = oldestFirst.size() - 1; i >= 0 && left.signum() > 0; i--) {
            Share s = oldestFirst.get(i);
            BigDecimal part = exact(s.difficulty()).min(left);
            left = left.subtract(part);
            weights.merge(s.account(), part.multiply(exact(s.revenueWeight())), BigDecimal::add);
        }
        return weights;
    }

    /** A double's exact value (every finite double is a binary fraction). */
    private static BigDecimal exact(double d) {
        return new BigDecimal(d);
    }

    private static long ppmOf(long sats, long ppm) {
        return BigInteger.valueOf(sats).multiply(BigInteger.valueOf(ppm)).divide(BigInteger.valueOf(1_000_000)).longValueExact();
    }

    /** Pool-mode shares matching {@code where}, in the order the ledger recorded them. */
    private static List<Share> shares(PoolHarness pool, String where, Object... params) throws Exception {
        List<Share> out = new ArrayList<>();
        try (Connection c = pool.pool().ledger().dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT id, user_name, share_difficulty, revenue_weight, submitted_at "
                        + "FROM shares WHERE payout_mode = 'pool' AND " + where + " ORDER BY id")) {
            for (int i = 0; i < params.length; i++) {
                q.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new Share(rs.getLong(1), rs.getString(2), rs.getDouble(3), rs.getDouble(4),
                            rs.getObject(5, OffsetDateTime.class).toInstant()));
                }
            }
        }
        return out;
    }

    /**
     * PPS/FPPS: waits until every share is credited (a share waits 30 s before its batch), then
     * prices each batch again: floor(subsidy x its shares' weight / network difficulty), the fee
     * rounded down, the rest by the largest remainder rule. Regtest blocks carry no transactions,
     * so FPPS's fee part is zero and both schemes price the same. Returns each account's total.
     */
    private static Map<String, Long> awaitShareCredits(PoolHarness pool, PayoutLedger payouts, String scheme) throws Exception {
        long lastShare = payouts.lastPoolShareId();
        PoolHarness.await(Duration.ofSeconds(60), () -> {
            try {
                return lastCreditedShare(pool) >= lastShare;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "every share credited up to id " + lastShare);
        for (BlockRecord b : blocks(pool)) {
            assertEquals(5_000_000_000L, b.rewardSats(), "a regtest block below height 150 with no fees: " + b);
        }
        double networkDifficulty = pool.rpc("getblockchaininfo").path("difficulty").asDouble();
        Map<String, Long> totals = new TreeMap<>();
        try (Connection c = pool.pool().ledger().dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT id, scheme, from_share_id, to_share_id, value_sats, credited_sats, "
                        + "pool_sats, donation_sats FROM share_credit_batches ORDER BY id");
                ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                long batch = rs.getLong(1);
                assertEquals(scheme.toUpperCase(java.util.Locale.ROOT), rs.getString(2));
                List<Share> shares = shares(pool, "id > ? AND id <= ?", rs.getLong(3), rs.getLong(4));
                Map<String, BigDecimal> weights = new TreeMap<>();
                shares.forEach(s -> weights.merge(s.account(), exact(s.difficulty()).multiply(exact(s.revenueWeight())), BigDecimal::add));
                BigDecimal total = weights.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
                long value = BigDecimal.valueOf(5_000_000_000L).multiply(total).divide(exact(networkDifficulty), 0, RoundingMode.FLOOR)
                        .longValueExact();
                long fee = ppmOf(value, FEE_PPM);
                Map<String, Long> credits = largestRemainder(value - fee, weights);
                assertEquals(value, rs.getLong(5), "value of batch " + batch);
                assertEquals(value - fee, rs.getLong(6), "credited in batch " + batch);
                assertEquals(fee, rs.getLong(7), "fee of batch " + batch);
                assertEquals(0, rs.getLong(8));
                Map<String, Long> recorded = new TreeMap<>();
                try (PreparedStatement items = c.prepareStatement("SELECT account, sats FROM share_credits WHERE batch_id = ?")) {
                    items.setLong(1, batch);
                    try (ResultSet i = items.executeQuery()) {
                        while (i.next()) {
                            recorded.put(i.getString(1), i.getLong(2));
                        }
                    }
                }
                assertEquals(credits, recorded, "credits of batch " + batch);
                credits.forEach((account, sats) -> totals.merge(account, sats, Long::sum));
            }
        }
        return totals;
    }

    /**
     * PPS/FPPS share credits through {@code payouts verify --share-credits} and {@code export}: every
     * batch priced again from its shares and recorded rate passes; a share made heavier, a credit
     * changed and a credit deleted are each named with the batch, the account and both amounts.
     */
    private static void checkShareCredits(PoolHarness pool, List<String> auth, String scheme, String alice) throws Exception {
        CliTest.Result honest = cli(auth, "payouts", "verify", "--share-credits", "all");
        assertEquals(0, honest.code(), honest.out() + honest.err());
        assertTrue(honest.out().contains("share credits batch ") && honest.out().contains(": OK"), honest.out());
        CliTest.Result exported = cli(auth, "payouts", "export", "--share-credits", "all");
        assertEquals(0, exported.code(), exported.err());
        JsonNode batches = new ObjectMapper().readTree(exported.out()).path("share_credit_batches");
        assertTrue(batches.size() >= 1, exported.out());
        // the batch that credited alice: its recorded rate is the node's (regtest: 50 BTC, no fees)
        JsonNode batch = null;
        for (JsonNode b : batches) {
            for (JsonNode c : b.path("credits")) {
                if (c.path("account").asText().equals(alice)) {
                    batch = b;
                }
            }
        }
        assertTrue(batch != null, exported.out());
        assertEquals(scheme, batch.path("scheme").asText());
        assertEquals(5_000_000_000L, batch.path("subsidy_sats").asLong());
        assertEquals(pool.rpc("getblockchaininfo").path("difficulty").asDouble(), batch.path("network_difficulty").asDouble());
        assertEquals(FEE_PPM, batch.path("fee_ppm").asLong());
        assertEquals(0, batch.path("fees_sats").asLong());
        long id = batch.path("id").asLong();
        String name = "batch " + id + " (shares " + (batch.path("from_share_id").asLong() + 1) + ".." + batch.path("to_share_id").asLong() + "): ";
        long credit = 0;
        for (JsonNode c : batch.path("credits")) {
            if (c.path("account").asText().equals(alice)) {
                credit = c.path("sats").asLong();
            }
        }
        CliTest.Result csv = cli(auth, "payouts", "export", "--share-credits", Long.toString(id), "--format", "csv");
        assertEquals(0, csv.code(), csv.err());
        assertEquals(batch.path("shares").size(), csv.out().lines().filter(l -> l.contains(",share,")).count(), csv.out());
        assertTrue(csv.out().contains(",credit,," + alice + ",,,," + credit + "\n"), csv.out());

        // the export alone prices every batch again (payouts verify --export); a credit changed in the file is named
        java.nio.file.Path file = java.nio.file.Files.createTempFile("share-credits", ".json");
        try {
            java.nio.file.Files.writeString(file, exported.out());
            CliTest.Result offline = CliTest.run("payouts", "verify", "--export", file.toString());
            assertEquals(0, offline.code(), offline.out() + offline.err());
            assertTrue(offline.out().contains("share credits batch " + id + " ") && offline.out().contains(": OK"), offline.out());
            JsonNode tampered = new ObjectMapper().readTree(exported.out());
            for (JsonNode b : tampered.path("share_credit_batches")) {
                for (JsonNode c : b.path("credits")) {
                    if (b.path("id").asLong() == id && c.path("account").asText().equals(alice)) {
                        ((com.fasterxml.jackson.databind.node.ObjectNode) c).put("sats", credit + 1);
                    }
                }
            }
            java.nio.file.Files.writeString(file, tampered.toString());
            CliTest.Result wrong = CliTest.run("payouts", "verify", "--export", file.toString());
            assertEquals(AdminCommands.MISMATCH, wrong.code(), wrong.out() + wrong.err());
            assertTrue(wrong.out().contains("MISMATCH " + name + alice + ": credited " + (credit + 1) + " sat, the shares give "
                    + credit + " sat"), wrong.out());
        } finally {
            java.nio.file.Files.delete(file);
        }

        // a changed credit amount, then a deleted credit
        sql(pool, "UPDATE share_credits SET sats = sats + 1 WHERE batch_id = " + id + " AND account = ?", alice);
        expectShareCreditMismatch(auth, name + alice + ": credited " + (credit + 1) + " sat, the shares give " + credit + " sat");
        sql(pool, "UPDATE share_credits SET sats = sats - 1 WHERE batch_id = " + id + " AND account = ?", alice);
        sql(pool, "DELETE FROM share_credits WHERE batch_id = " + id + " AND account = ?", alice);
        expectShareCreditMismatch(auth, name + alice + ": credited 0 sat, the shares give " + credit + " sat");
        sql(pool, "INSERT INTO share_credits (batch_id, account, sats) VALUES (" + id + ", ?, " + credit + ")", alice);
        // a changed share: one of alice's in the batch made heavier after the fact
        long share = -1;
        for (JsonNode s : batch.path("shares")) {
            if (s.path("account").asText().equals(alice)) {
                share = s.path("id").asLong();
            }
        }
        sql(pool, "UPDATE shares SET share_difficulty = share_difficulty * 2 WHERE id = " + share + " AND user_name = ?", alice);
        CliTest.Result changed = cli(auth, "payouts", "verify", "--share-credits", Long.toString(id));
        assertEquals(AdminCommands.MISMATCH, changed.code(), changed.out());
        assertTrue(changed.out().contains("MISMATCH " + name + "value/fee/donation: the ledger has ")
                && changed.out().contains("MISMATCH " + name + alice + ": credited " + credit + " sat, the shares give "), changed.out());
        sql(pool, "UPDATE shares SET share_difficulty = share_difficulty / 2 WHERE id = " + share + " AND user_name = ?", alice);
        assertEquals(0, cli(auth, "payouts", "verify", "--share-credits", "all").code(), "the share credits restored");
    }

    private static void expectShareCreditMismatch(List<String> auth, String problem) {
        CliTest.Result r = cli(auth, "payouts", "verify", "--share-credits", "all");
        assertEquals(AdminCommands.MISMATCH, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("MISMATCH " + problem), "'" + problem + "' in: " + r.out());
    }

    private static long lastCreditedShare(PoolHarness pool) throws Exception {
        try (Connection c = pool.pool().ledger().dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT COALESCE(MAX(to_share_id), 0) FROM share_credit_batches");
                ResultSet rs = q.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
