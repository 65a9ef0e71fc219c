package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.base.Sha256Hash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.Balance;
import org.templar.payout.BlockSettlement;
import org.templar.payout.BlockStatus;
import org.templar.payout.PayoutLedger;
import org.templar.regtest.RawBlock;
import org.templar.regtest.RegtestChain;
import org.templar.share.Hex;

/**
 * Two solves at one height under TIDES, on the embedded node, through the real pool (issue 10). The
 * coinbase has room for one miner's output, so the first block carries bob's part and the two
 * siblings after it both pay that carry. The one the node connects first is applied; the stale
 * sibling is HELD (recorded, in no balance or carry), where before its credit was refused by the
 * CHECK on carried_sats. Then the sibling's branch is made longer: the first block leaves the chain,
 * its credits and carries reversed (shown, not deleted), the held sibling is applied, and
 * orphan_depth blocks later the first is ORPHANED. After each step every balance and carry is
 * exactly what the applied settlements say, and those match the coinbases the node holds: no
 * satoshi created or lost.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TidesReorgEndToEndTest {
    @Test
    void aStaleTidesSiblingIsHeldThenSettledWhenItsBranchWins(@TempDir Path dir) throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        String alice = SoloAndPoolMiningTest.newAddress();
        String bob = SoloAndPoolMiningTest.newAddress();
        Map<String, String> config = new HashMap<>(TidesInJobsTest.tidesConfig(operator, SoloAndPoolMiningTest.newAddress()));
        config.put("pool.dust_sats", "0");
        // 200 bytes of coinbase besides the outputs (CoinbaseBuilder.payoutRoom): the pool's, the
        // donation's and one miner's output (31 bytes each) fit, a second miner's does not: it is carried
        config.put("pool.max_coinbase_size", "300");
        config.put("pool.orphan_depth", "2");
        config.put("vardiff.minimum", "1e-12");
        try (PoolHarness pool = PoolHarness.start(dir, config)) {
            PayoutLedger payouts = new PayoutLedger(pool.pool().ledger());
            TestMiner a = TestMiner.connect(pool, alice, false, 1e-11);
            TestMiner b = TestMiner.connect(pool, bob, false, 1e-11);
            // alice 3 shares, bob 2, none of them a block
            submitShares(a, alice, 3, 0x100);
            submitShares(b, bob, 2, 0x200);
            PoolHarness.await(Duration.ofSeconds(30), () -> payouts.lastPoolShareId() >= 5, "the five shares recorded");
            NotifiedJob planned = nextJob(a);

            // the first block: alice paid, bob's part carried
            Solved first = solve(a, planned, 0x300);
            assertEquals(0, submit(a, alice, planned, first));
            String firstHash = first.hash();
            awaitSettlement(pool, payouts, firstHash, BlockSettlement.State.CREDITED);
            assertTrue(payouts.carried().stream().anyMatch(c -> c.account().equals(bob)),
                    "bob's part carried: " + payouts.carried());

            // two solves on the next job: both pay bob's carry
            NotifiedJob next = BlockStatusFromChainTest.awaitCleanJob(a);
            Solved one = solve(a, next, 0x400);
            Solved other = solve(a, next, 0x500);
            assertEquals(0, submit(a, alice, next, one));
            int answer = submit(a, alice, next, other);
            assertTrue(answer == 0 || answer == 21, "accepted, or stale once the pool moved to the new tip: " + answer);
            // the pool submits each solve at once: whichever the node connected first won the height
            PoolHarness.await(Duration.ofSeconds(30), () -> java.util.Arrays.asList(status(pool, one.hash()), status(pool, other.hash()))
                    .containsAll(List.of(BlockStatus.ACCEPTED, BlockStatus.STALE)), () -> "one connected, one held off the chain: "
                    + pool.pool().ledger().blockByHash(one.hash()) + " " + pool.pool().ledger().blockByHash(other.hash()));
            boolean oneWon = status(pool, one.hash()) == BlockStatus.ACCEPTED;
            String wonHash = (oneWon ? one : other).hash();
            String heldHash = (oneWon ? other : one).hash();
            awaitSettlement(pool, payouts, wonHash, BlockSettlement.State.CREDITED);
            BlockSettlement sibling = payouts.settlement(heldHash).orElseThrow();
            assertEquals(BlockSettlement.State.HELD, sibling.state(), "recorded, in no balance: " + sibling);
            BlockSettlement winner = payouts.settlement(wonHash).orElseThrow();
            assertTrue(winner.coinbasePayments().stream().anyMatch(c -> c.account().equals(bob)),
                    "the second coinbase pays bob's carry: " + winner + ", planned from " + payouts.coinbasePlanInputs(wonHash)
                    + ", after " + payouts.settlement(firstHash));
            assertEquals(winner.coinbasePayments(), sibling.coinbasePayments(), "the same job, the same plan");
            checkBalances(pool, payouts, Set.of(alice, bob, operator), List.of(firstHash, wonHash));

            // the sibling's branch grows longer: the node reorganises onto it
            RegtestChain chain = pool.pool().embeddedNode().orElseThrow().chain();
            org.templar.regtest.BlockRecord parent = chain.block(Sha256Hash.wrap(heldHash)).orElseThrow();
            parent = extend(chain, parent, 1, 7_000);
            assertEquals(parent.hash(), chain.tipHash(), "the sibling's branch is the best chain");
            PoolHarness.await(Duration.ofSeconds(30), () -> payouts.settlement(heldHash).orElseThrow().state()
                    == BlockSettlement.State.CREDITED && payouts.settlement(wonHash).orElseThrow().state()
                    == BlockSettlement.State.REVERSED, () -> "the sibling applied, the first taken back: "
                    + payouts.settlement(heldHash) + " " + payouts.settlement(wonHash));
            assertEquals(BlockStatus.STALE, status(pool, wonHash), "its branch may still win");
            assertEquals(BlockStatus.ACCEPTED, status(pool, heldHash));
            BlockSettlement reversed = payouts.settlement(wonHash).orElseThrow();
            assertEquals(winner.credits(), reversed.credits(), "the reversed credits are still shown");
            checkBalances(pool, payouts, Set.of(alice, bob, operator), List.of(firstHash, heldHash));

            // orphan_depth past it: given up for good, the balances unchanged
            extend(chain, parent, 1, 7_100);
            PoolHarness.await(Duration.ofSeconds(30), () -> status(pool, wonHash) == BlockStatus.ORPHANED,
                    () -> "orphaned: " + pool.pool().ledger().blockByHash(wonHash));
            assertEquals(BlockSettlement.State.REVERSED, payouts.settlement(wonHash).orElseThrow().state());
            checkBalances(pool, payouts, Set.of(alice, bob, operator), List.of(firstHash, heldHash));
            assertNotEquals(wonHash, heldHash);
        }
    }

    private static void submitShares(TestMiner m, String account, int count, int en2Base) throws Exception {
        for (int i = 0; i < count; i++) {
            byte[] en2 = Hex.decode(String.format("%08x", en2Base + i));
            NotifiedJob.Found share = m.job().find(en2, m.job().version, NotifiedJob.targetOf(m.difficulty()), true, false);
            assertEquals(0, BlockStatusFromChainTest.code(m.client().call("mining.submit",
                    m.job().submitParams(account + ".t", en2, share.nonce(), null))), "share " + i);
        }
    }

    /**
     * The newest job once the pool has planned again after everything recorded so far: a template is
     * planned again each second (node.refresh_seconds) and its jobs sent when the plan changed, so
     * after three seconds the last job notified counts those shares.
     */
    private static NotifiedJob nextJob(TestMiner m) throws Exception {
        Thread.sleep(3000);
        JsonNode newest = null;
        for (JsonNode n = m.client().pollNotification("mining.notify", Duration.ofMillis(300)); n != null;
                n = m.client().pollNotification("mining.notify", Duration.ofMillis(300))) {
            newest = n;
        }
        if (newest == null) {
            newest = m.client().awaitNotification("mining.notify");
        }
        return new NotifiedJob(newest, m.extranonce1(), 4);
    }

    /** A block found on a job: its hash (display hex) and what the miner submits. */
    private record Solved(String hash, byte[] extranonce2, int nonce) {}

    private static Solved solve(TestMiner m, NotifiedJob job, int en2Value) {
        byte[] en2 = Hex.decode(String.format("%08x", en2Value));
        NotifiedJob.Found found = job.find(en2, job.version, NotifiedJob.targetOf(m.difficulty()), true, true);
        return new Solved(Hex.encode(Hex.reverse(found.hash())), en2, found.nonce());
    }

    private static int submit(TestMiner m, String account, NotifiedJob job, Solved block) throws Exception {
        return BlockStatusFromChainTest.code(m.client().call("mining.submit",
                job.submitParams(account + ".t", block.extranonce2(), block.nonce(), null)));
    }

    private static org.templar.regtest.BlockRecord extend(RegtestChain chain, org.templar.regtest.BlockRecord parent,
            int blocks, long tag) {
        for (int i = 0; i < blocks; i++) {
            RawBlock side = BlockSettledWebhookTest.childOf(chain, parent, tag + i);
            String verdict = chain.submitBlock(side);
            assertTrue(verdict == null || verdict.equals("inconclusive"), "side block " + i + ": " + verdict);
            parent = chain.block(side.hash()).orElseThrow();
        }
        return parent;
    }

    private static BlockStatus status(PoolHarness pool, String hash) {
        return pool.pool().ledger().blockByHash(hash).map(org.templar.payout.BlockRecord::status).orElse(null);
    }

    private static void awaitSettlement(PoolHarness pool, PayoutLedger payouts, String hash, BlockSettlement.State state)
            throws Exception {
        PoolHarness.await(Duration.ofSeconds(30), () -> payouts.settlement(hash).map(s -> s.state() == state).orElse(false),
                () -> hash + " " + state + ": " + pool.pool().ledger().blockByHash(hash) + " " + payouts.settlement(hash));
    }

    /**
     * Every balance is what the applied blocks say, and nothing else: immature = what their coinbases
     * pay (checked against the coinbases the node holds), carried = earned - paid. So the money owed
     * is exactly the applied blocks' credits: none created by a held or reversed block, none lost.
     */
    private static void checkBalances(PoolHarness pool, PayoutLedger payouts, Set<String> accounts, List<String> applied)
            throws Exception {
        Map<String, Long> immature = new TreeMap<>();
        Map<String, Long> carried = new TreeMap<>();
        for (String hash : applied) {
            BlockSettlement s = payouts.settlement(hash).orElseThrow();
            assertTrue(s.state().applied(), hash + " " + s);
            Map<String, Long> outputs = TidesInJobsTest.coinbaseOutputs(pool, hash);
            s.coinbasePayments().forEach(p -> {
                immature.merge(p.account(), p.sats(), Long::sum);
                carried.merge(p.account(), -p.sats(), Long::sum);
                assertEquals(p.sats(), outputs.get(TidesInJobsTest.script(p.account())), "the coinbase of " + hash + " pays " + p);
            });
            s.credits().forEach(c -> carried.merge(c.account(), c.sats(), Long::sum));
        }
        long owed = 0;
        for (String account : accounts) {
            Balance balance = payouts.balance(account);
            assertEquals(new Balance(account, immature.getOrDefault(account, 0L), 0, 0, 0, carried.getOrDefault(account, 0L)),
                    balance, account);
            owed += balance.immatureSats() + balance.carriedSats();
        }
        long credited = 0;
        for (String hash : applied) {
            credited += payouts.settlement(hash).orElseThrow().credits().stream().mapToLong(c -> c.sats()).sum();
        }
        assertEquals(credited, owed, "owed = the applied blocks' credits");
        assertFalse(carried.values().stream().anyMatch(v -> v < 0), carried.toString());
    }
}
