package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.base.AddressParser;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.script.ScriptBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockSettlement;
import org.templar.payout.BlockStatus;
import org.templar.payout.PayoutLedger;
import org.templar.payout.scheme.Credit;
import org.templar.share.Hex;

/**
 * TIDES end to end on the embedded node: two miners with their own addresses mine through a pool
 * whose jobs pay the TIDES plan in the coinbase. For every block the node accepted, the test reads
 * the coinbase with getblock and compares each output with a plan it computes itself, with its own
 * arithmetic (BigDecimal, not the payout module's), from the shares the ledger holds up to the
 * plan's last share: each miner gets exactly its part of reward - 1 % fee - 0.5 % donation, the
 * donation address its 0.5 %, the pool the fee; and the ledger's credits are that same division.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TidesInJobsTest {
    static final long FEE_PPM = 10_000;
    static final long DONATION_PPM = 5_000;

    static Map<String, String> tidesConfig(String operator, String donation) {
        Map<String, String> c = new HashMap<>();
        c.put("pool.payout_address", operator);
        c.put("pool.payout_scheme", "tides");
        c.put("pool.fee_percent", "1");
        c.put("pool.donation_percent", "0.5");
        c.put("pool.donation_address", donation);
        // Regtest's network difficulty is tiny: a window this many times it holds every share of the test.
        c.put("pool.tides_window", "1e15");
        c.put("pool.dust_sats", "1000");
        c.put("pool.track_seconds", "1");
        c.put("node.refresh_seconds", "1");
        return c;
    }

    @Test
    void eachCoinbasePaysTheMinersOfTheWindowWhatTheirSharesEarned(@TempDir Path dir) throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        String donation = SoloAndPoolMiningTest.newAddress();
        String alice = SoloAndPoolMiningTest.newAddress();
        String bob = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, tidesConfig(operator, donation))) {
            PayoutLedger payouts = new PayoutLedger(pool.pool().ledger());
            try (CpuMiner a = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, alice + ".rig1"));
                    CpuMiner b = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, bob + ".rig2"))) {
                PoolHarness.await(Duration.ofSeconds(120), () -> bothPaidIn(pool, alice, bob) >= 2,
                        () -> "two accepted blocks whose coinbase pays both miners; " + seen(pool, payouts, alice, bob, a, b));
            }
            int checked = 0;
            int both = 0;
            for (BlockRecord block : pool.pool().ledger().recentBlocks(200)) {
                if (block.status() != BlockStatus.ACCEPTED) {
                    continue;
                }
                BlockSettlement settlement = payouts.settlement(block.hash()).orElseThrow(
                        () -> new AssertionError("a TIDES block is credited when it is solved: " + block.hash()));
                PayoutLedger.PlanInputs inputs = payouts.coinbasePlanInputs(block.hash()).orElseThrow();
                assertEquals(List.of(), inputs.carriedIn(), "nothing was ever carried: no dust, room for every output");

                Map<String, Long> expected = expectedCredits(pool, inputs.windowLastShareId(), block.rewardSats(),
                        operator);
                Map<String, Long> paid = coinbaseOutputs(pool, block.hash());
                long fee = block.rewardSats() * FEE_PPM / 1_000_000;
                long donated = block.rewardSats() * DONATION_PPM / 1_000_000;
                long miners = 0;
                for (Map.Entry<String, Long> e : expected.entrySet()) {
                    miners += e.getValue();
                    if (!e.getKey().equals(operator)) {
                        assertEquals(e.getValue(), paid.get(script(e.getKey())), "output to " + e.getKey() + " in " + block.hash());
                    }
                }
                assertEquals(block.rewardSats() - fee - donated, miners, "the miners share reward - fee - donation exactly");
                assertEquals(donated, paid.get(script(donation)), "the donation output");
                if (!expected.containsKey(operator)) {
                    assertEquals(fee, paid.get(script(operator)), "the pool's output is its fee");
                }
                assertEquals(block.rewardSats(), paid.values().stream().mapToLong(Long::longValue).sum(),
                        "the coinbase claims the whole reward");
                List<Credit> credits = new ArrayList<>();
                expected.forEach((account, sats) -> credits.add(new Credit(account, sats)));
                assertEquals(credits, settlement.credits(), "the ledger's credits are the recomputed division");
                assertEquals(credits, settlement.coinbasePayments(), "and what the coinbase paid");
                checked++;
                if (expected.containsKey(alice) && expected.containsKey(bob)) {
                    both++;
                }
            }
            assertTrue(both >= 2, "blocks paying both miners: " + both + " of " + checked);
        }
    }

    /**
     * A coinbase cap with room for one miner's output only (besides the pool's and the donation's):
     * each block pays the miner owed most and carries the other, whose carried amount grows until
     * it is the larger and a later coinbase pays it. Nothing is lost: per miner, everything credited
     * is paid or still carried, and every accepted block passes {@code payouts verify}.
     */
    @Test
    void minersBeyondTheCapAreCarriedAndPaidLater(@TempDir Path dir) throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        String alice = SoloAndPoolMiningTest.newAddress();
        String bob = SoloAndPoolMiningTest.newAddress();
        Map<String, String> config = tidesConfig(operator, SoloAndPoolMiningTest.newAddress());
        // 200 bytes for the rest of a coinbase at its largest (witness commitment included), 3 x 31 for outputs
        config.put("pool.max_coinbase_size", "293");
        try (PoolHarness pool = PoolHarness.start(dir, config)) {
            PayoutLedger payouts = new PayoutLedger(pool.pool().ledger());
            try (CpuMiner a = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, alice + ".rig1"));
                    CpuMiner b = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, bob + ".rig2"))) {
                PoolHarness.await(Duration.ofSeconds(150), () -> paidInSomeBlock(pool, alice) && paidInSomeBlock(pool, bob)
                        && payouts.carried().size() > 0,
                        () -> "each miner paid by some coinbase, and a carry outstanding; " + seen(pool, payouts, alice, bob, a, b));
            }
            for (BlockRecord block : pool.pool().ledger().recentBlocks(200)) {
                if (block.status() != BlockStatus.ACCEPTED) {
                    continue;
                }
                JsonNode raw = pool.rpc("getblock", block.hash(), 2).path("tx").get(0);
                assertTrue(raw.path("size").asInt() <= 293 + 2 + 34, "coinbase within the cap (its witness aside): " + raw);
                Map<String, Long> outs = coinbaseOutputs(pool, block.hash());
                assertTrue(!(outs.containsKey(script(alice)) && outs.containsKey(script(bob))), "room for one miner only");
            }
            // every block the node's best chain holds applied by the tracker (a solve is HELD until then)
            PoolHarness.await(Duration.ofSeconds(30), () -> pool.pool().ledger().recentBlocks(200).stream()
                    .filter(x -> x.status() == BlockStatus.ACCEPTED)
                    .allMatch(x -> payouts.settlement(x.hash()).map(s -> s.state().applied()).orElse(false)),
                    "every accepted block applied");
            for (String miner : List.of(alice, bob)) {
                long earned = 0;
                long paid = 0;
                for (BlockRecord block : pool.pool().ledger().recentBlocks(200)) {
                    var s = payouts.settlement(block.hash());
                    if (s.isPresent() && s.get().state().applied()) {
                        earned += s.get().credits().stream().filter(c -> c.account().equals(miner)).mapToLong(Credit::sats).sum();
                        paid += s.get().coinbasePayments().stream().filter(c -> c.account().equals(miner)).mapToLong(Credit::sats).sum();
                    }
                }
                assertEquals(earned, paid + payouts.balance(miner).carriedSats(), miner + ": credited = paid + carried");
                assertTrue(earned > 0, miner);
            }
            AdminApi api = new AdminApi(pool.pool());
            for (BlockRecord block : pool.pool().ledger().recentBlocks(200)) {
                if (block.status() == BlockStatus.ACCEPTED) {
                    JsonNode verified = api.handle("GET", "/api/payouts/verify", Map.of("block", block.hash())).body();
                    assertTrue(verified.path("ok").asBoolean(), verified.toString());
                }
            }
        }
    }

    /** What the pool's blocks paid whom, the carries and the miners' counts: the story of a timeout. */
    static String seen(PoolHarness pool, PayoutLedger payouts, String alice, String bob, CpuMiner a, CpuMiner b) {
        StringBuilder s = new StringBuilder("alice ").append(a.snapshot()).append(", bob ").append(b.snapshot())
                .append("; carried ").append(payouts.carried()).append("; blocks:");
        try {
            for (BlockRecord block : pool.pool().ledger().recentBlocks(40)) {
                s.append(' ').append(block.height()).append(':').append(block.status());
                if (block.status() == BlockStatus.ACCEPTED) {
                    Map<String, Long> outs = coinbaseOutputs(pool, block.hash());
                    s.append(outs.containsKey(script(alice)) ? "+alice" : "").append(outs.containsKey(script(bob)) ? "+bob" : "");
                }
            }
        } catch (Exception e) {
            s.append(" (cannot read: ").append(e).append(')');
        }
        return s.toString();
    }

    static boolean paidInSomeBlock(PoolHarness pool, String miner) {
        try {
            for (BlockRecord block : pool.pool().ledger().recentBlocks(200)) {
                if (block.status() == BlockStatus.ACCEPTED && coinbaseOutputs(pool, block.hash()).containsKey(script(miner))) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Accepted blocks whose coinbase pays both miners (read from the node). */
    static int bothPaidIn(PoolHarness pool, String alice, String bob) {
        int n = 0;
        try {
            for (BlockRecord block : pool.pool().ledger().recentBlocks(200)) {
                if (block.status() == BlockStatus.ACCEPTED) {
                    Map<String, Long> outs = coinbaseOutputs(pool, block.hash());
                    if (outs.containsKey(script(alice)) && outs.containsKey(script(bob))) {
                        n++;
                    }
                }
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return n;
    }

    /** The block's coinbase outputs with a value, by script hex. */
    static Map<String, Long> coinbaseOutputs(PoolHarness pool, String hash) throws Exception {
        JsonNode block = pool.rpc("getblock", hash, 2);
        Map<String, Long> outs = new HashMap<>();
        for (JsonNode out : block.path("tx").get(0).path("vout")) {
            long sats = new BigDecimal(out.path("value").asText()).movePointRight(8).longValueExact();
            if (sats > 0) {
                outs.merge(out.path("scriptPubKey").path("hex").asText(), sats, Long::sum);
            }
        }
        return outs;
    }

    static String script(String address) {
        return Hex.encode(ScriptBuilder.createOutputScript(
                AddressParser.getDefault(BitcoinNetwork.REGTEST).parseAddress(address)).program());
    }

    /**
     * The TIDES credits computed apart from the payout module: every pool share up to the plan's last
     * one (the window is wider than all of them), weighted by difficulty x revenue weight, exactly;
     * the miners' part divided by floor, then one satoshi each to the largest remainders (ties by
     * account name). With no share at all, the pool's address is the finder and gets the miners' part.
     */
    static Map<String, Long> expectedCredits(PoolHarness pool, long lastShareId, long reward, String operator)
            throws Exception {
        long minersPart = reward - reward * FEE_PPM / 1_000_000 - reward * DONATION_PPM / 1_000_000;
        Map<String, BigDecimal> weights = new TreeMap<>();
        try (Connection c = pool.pool().ledger().dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT user_name, share_difficulty, revenue_weight FROM shares "
                        + "WHERE payout_mode = 'pool' AND id <= ?")) {
            q.setLong(1, lastShareId);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    weights.merge(rs.getString(1), new BigDecimal(rs.getDouble(2)).multiply(new BigDecimal(rs.getDouble(3))),
                            BigDecimal::add);
                }
            }
        }
        weights.values().removeIf(w -> w.signum() == 0);
        Map<String, Long> credits = new TreeMap<>();
        if (weights.isEmpty()) {
            credits.put(operator, minersPart);
            return credits;
        }
        BigDecimal total = weights.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        Map<String, BigDecimal> remainders = new HashMap<>();
        long given = 0;
        for (Map.Entry<String, BigDecimal> e : weights.entrySet()) {
            BigDecimal exact = BigDecimal.valueOf(minersPart).multiply(e.getValue());
            BigInteger floor = exact.divide(total, 0, RoundingMode.FLOOR).toBigIntegerExact();
            credits.put(e.getKey(), floor.longValueExact());
            remainders.put(e.getKey(), exact.subtract(total.multiply(new BigDecimal(floor))));
            given += floor.longValueExact();
        }
        List<String> order = new ArrayList<>(weights.keySet());
        order.sort((x, y) -> remainders.get(y).compareTo(remainders.get(x)) != 0
                ? remainders.get(y).compareTo(remainders.get(x)) : x.compareTo(y));
        for (int i = 0; i < minersPart - given; i++) {
            credits.merge(order.get(i), 1L, Long::sum);
        }
        credits.values().removeIf(v -> v == 0);
        return credits;
    }
}
