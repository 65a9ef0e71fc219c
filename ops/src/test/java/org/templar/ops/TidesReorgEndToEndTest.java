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
 * satoshi created or lost. And a MATURE TIDES block orphaned by a reorganisation deeper than
 * coinbase maturity: what its coinbase paid of earlier carries is owed again, and the next block pays it.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TidesReorgEndToEndTest {
    /**
     * What both tests start from: a TIDES pool on the embedded node whose coinbase has room for one
     * miner's output, alice (3 shares) and bob (2 shares) mining on it, and its first block found by
     * alice: alice paid, bob's part carried.
     */
    private record FirstBlock(PoolHarness pool, PayoutLedger payouts, TestMiner a, TestMiner b, String alice, String bob,
            String operator, String donation, String hash) {}

    private interface AfterFirstBlock {
        void run(FirstBlock f) throws Exception;
    }

    private static void afterFirstBlock(Path dir, AfterFirstBlock then) throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        String donation = SoloAndPoolMiningTest.newAddress();
        String alice = SoloAndPoolMiningTest.newAddress();
        String bob = SoloAndPoolMiningTest.newAddress();
        Map<String, String> config = new HashMap<>(TidesInJobsTest.tidesConfig(operator, donation));
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
            awaitSettlement(pool, payouts, first.hash(), BlockSettlement.State.CREDITED);
            assertTrue(payouts.carried().stream().anyMatch(c -> c.account().equals(bob)),
                    "bob's part carried: " + payouts.carried());
            then.run(new FirstBlock(pool, payouts, a, b, alice, bob, operator, donation, first.hash()));
        }
    }

    @Test
    void aStaleTidesSiblingIsHeldThenSettledWhenItsBranchWins(@TempDir Path dir) throws Exception {
        afterFirstBlock(dir, f -> {
            PoolHarness pool = f.pool();
            PayoutLedger payouts = f.payouts();
            TestMiner a = f.a();
            String alice = f.alice();
            String bob = f.bob();
            String operator = f.operator();
            String firstHash = f.hash();

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
        });
    }

    /**
     * A reorganisation deeper than coinbase maturity under TIDES. The second block pays bob what the
     * first carried for him (and carries alice's part); 100 blocks later both are MATURE, their
     * payments paid. Then a branch from the first block, longer than the chain, pushes the second
     * out: it is ORPHANED "after it had matured", its settlement REVERSED. What its coinbase paid bob
     * of the first block's carry is owed to him again, and what it carried for alice, which it alone
     * earned, is gone: the balances are exactly the first block's. Taking it off again and more
     * tracker polls (the mature checks included) change nothing. Bob mines on, and the next block
     * is planned from the restored carry: its coinbase, as the node has it, pays what the test computes on its own (the
     * window divided again, plus the carry, one miner's output, largest owed first), and the money
     * owed is again exactly the applied blocks' credits.
     */
    @Test
    void aMatureTidesBlockOrphanedByADeeperReorganisationIsOwedAgainAndTheNextCoinbasePaysIt(@TempDir Path dir)
            throws Exception {
        afterFirstBlock(dir, f -> {
            PoolHarness pool = f.pool();
            PayoutLedger payouts = f.payouts();
            Set<String> accounts = Set.of(f.alice(), f.bob(), f.operator());
            Map<String, Long> afterFirst = carries(payouts, List.of(f.hash()));
            assertTrue(afterFirst.containsKey(f.bob()) && !afterFirst.containsKey(f.alice()), afterFirst.toString());

            // the second block pays bob's carry
            NotifiedJob next = BlockStatusFromChainTest.awaitCleanJob(f.a());
            Solved second = solve(f.a(), next, 0x400);
            assertEquals(0, submit(f.a(), f.alice(), next, second));
            awaitSettlement(pool, payouts, second.hash(), BlockSettlement.State.CREDITED);
            BlockSettlement secondSettled = payouts.settlement(second.hash()).orElseThrow();
            long bobPaid = secondSettled.coinbasePayments().stream().filter(c -> c.account().equals(f.bob()))
                    .mapToLong(c -> c.sats()).sum();
            assertTrue(bobPaid > afterFirst.get(f.bob()), "the second coinbase pays bob's carry and more: " + secondSettled);
            checkBalances(pool, payouts, accounts, List.of(f.hash(), second.hash()));

            // 100 blocks on it: both mature, their payments paid
            pool.pool().embeddedNode().orElseThrow().generateToAddress(100, f.operator());
            for (String hash : List.of(f.hash(), second.hash())) {
                PoolHarness.await(Duration.ofSeconds(30), () -> status(pool, hash) == BlockStatus.MATURE
                        && payouts.settlement(hash).orElseThrow().state() == BlockSettlement.State.MATURE,
                        () -> "mature: " + pool.pool().ledger().blockByHash(hash) + " " + payouts.settlement(hash));
            }
            checkBalances(pool, payouts, accounts, List.of(f.hash(), second.hash()));
            assertEquals(bobPaid, payouts.balance(f.bob()).paidSats());

            // a branch from the first block, longer than the chain: the second leaves it, 100 deep
            RegtestChain chain = pool.pool().embeddedNode().orElseThrow().chain();
            org.templar.regtest.BlockRecord parent = chain.block(Sha256Hash.wrap(f.hash())).orElseThrow();
            int length = chain.height() - parent.height() + 1;
            assertTrue(length > PayoutLedger.MATURITY_CONFIRMATIONS, "deeper than coinbase maturity: " + length);
            parent = extend(chain, parent, length, 9_000);
            assertEquals(parent.hash(), chain.tipHash(), "the branch is the best chain");
            PoolHarness.await(Duration.ofSeconds(60), () -> status(pool, second.hash()) == BlockStatus.ORPHANED
                    && payouts.settlement(second.hash()).orElseThrow().state() == BlockSettlement.State.REVERSED,
                    () -> "orphaned after maturing: " + pool.pool().ledger().blockByHash(second.hash()) + " "
                            + payouts.settlement(second.hash()));
            String reason = pool.pool().ledger().blockByHash(second.hash()).orElseThrow().reason();
            assertTrue(reason.endsWith("after it had matured"), reason);
            assertEquals(BlockStatus.MATURE, status(pool, f.hash()), "the first block is on both branches");
            // what the miners see: bob owed his carry again, his paid balance without the lost coinbase
            assertEquals(afterFirst.get(f.bob()), payouts.balance(f.bob()).carriedSats(), "bob's carry owed again");
            assertEquals(0, payouts.balance(f.bob()).paidSats());
            assertEquals(0, payouts.balance(f.alice()).carriedSats(), "the second block alone earned alice's carry");
            checkBalances(pool, payouts, accounts, List.of(f.hash()));
            Map<String, Balance> taken = balances(payouts, accounts);
            // applied once: the ledger steps again, and more polls with their mature checks
            payouts.orphan(second.hash(), "again");
            payouts.leaveChain(second.hash(), "again");
            Thread.sleep(Duration.ofSeconds(12).toMillis()); // over ten polls: at least one checks the mature blocks
            assertEquals(taken, balances(payouts, accounts), "nothing taken back twice");
            assertEquals(BlockSettlement.State.REVERSED, payouts.settlement(second.hash()).orElseThrow().state());

            // bob mines on (3 more shares, on a job of the new tip): the largest amount owed is his, so
            // the next block, planned from the restored carry, pays it
            long recorded = payouts.lastPoolShareId();
            submitShares(f.b(), nextJob(f.b()), f.bob(), 3, 0x700);
            PoolHarness.await(Duration.ofSeconds(30), () -> payouts.lastPoolShareId() >= recorded + 3, "bob's shares recorded");
            NotifiedJob planned = nextJob(f.a());
            Solved third = solve(f.a(), planned, 0x600);
            assertEquals(0, submit(f.a(), f.alice(), planned, third));
            awaitSettlement(pool, payouts, third.hash(), BlockSettlement.State.CREDITED);
            PayoutLedger.PlanInputs in = payouts.coinbasePlanInputs(third.hash()).orElseThrow();
            assertEquals(afterFirst, creditsOf(in.carriedIn()), "planned from the carries the reorganisation restored");
            int height = (int) pool.pool().ledger().blockByHash(third.hash()).orElseThrow().height();
            long reward = org.templar.regtest.RegtestConsensus.subsidy(height);
            assertEquals(expectedCoinbase(pool, in.windowLastShareId(), reward, afterFirst, f),
                    TidesInJobsTest.coinbaseOutputs(pool, third.hash()), "the third coinbase");
            assertTrue(payouts.settlement(third.hash()).orElseThrow().coinbasePayments().stream()
                    .anyMatch(c -> c.account().equals(f.bob()) && c.sats() > afterFirst.get(f.bob())),
                    "bob paid his carry and more: " + payouts.settlement(third.hash()));
            checkBalances(pool, payouts, accounts, List.of(f.hash(), third.hash()));
        });
    }

    /**
     * A coinbase computed apart from the payout module: the window divided again ({@link
     * TidesInJobsTest#expectedCredits}) plus what is carried in is owed; the coinbase has room for one
     * miner's output, which goes to the largest amount owed (ties by account name); the pool's output
     * holds the rest less the donation.
     */
    private static Map<String, Long> expectedCoinbase(PoolHarness pool, long lastShareId, long reward, Map<String, Long> carriedIn,
            FirstBlock f) throws Exception {
        Map<String, Long> owed = new TreeMap<>(TidesInJobsTest.expectedCredits(pool, lastShareId, reward, f.operator()));
        carriedIn.forEach((account, sats) -> owed.merge(account, sats, Long::sum));
        String first = owed.entrySet().stream().sorted((x, y) -> x.getValue().equals(y.getValue())
                ? x.getKey().compareTo(y.getKey()) : Long.compare(y.getValue(), x.getValue())).findFirst().orElseThrow().getKey();
        long donation = reward * TidesInJobsTest.DONATION_PPM / 1_000_000;
        long paid = Math.min(owed.get(first), reward - donation);
        Map<String, Long> outputs = new HashMap<>();
        outputs.put(TidesInJobsTest.script(first), paid);
        outputs.put(TidesInJobsTest.script(f.operator()), reward - donation - paid);
        outputs.put(TidesInJobsTest.script(f.donation()), donation);
        return outputs;
    }

    private static Map<String, Long> creditsOf(List<org.templar.payout.scheme.Credit> credits) {
        Map<String, Long> m = new TreeMap<>();
        credits.forEach(c -> m.merge(c.account(), c.sats(), Long::sum));
        return m;
    }

    private static Map<String, Balance> balances(PayoutLedger payouts, Set<String> accounts) {
        Map<String, Balance> m = new TreeMap<>();
        accounts.forEach(a -> m.put(a, payouts.balance(a)));
        return m;
    }

    private static void submitShares(TestMiner m, String account, int count, int en2Base) throws Exception {
        submitShares(m, m.job(), account, count, en2Base);
    }

    private static void submitShares(TestMiner m, NotifiedJob job, String account, int count, int en2Base) throws Exception {
        for (int i = 0; i < count; i++) {
            byte[] en2 = Hex.decode(String.format("%08x", en2Base + i));
            NotifiedJob.Found share = job.find(en2, job.version, NotifiedJob.targetOf(m.difficulty()), true, false);
            assertEquals(0, BlockStatusFromChainTest.code(m.client().call("mining.submit",
                    job.submitParams(account + ".t", en2, share.nonce(), null))), "share " + i);
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
     * Every balance is what the applied blocks say, and nothing else: immature (paid, once the block
     * is MATURE) = what their coinbases pay (checked against the coinbases the node holds), carried =
     * earned - paid ({@link #carries}). So the money owed is exactly the applied blocks' credits: none
     * created by a held or reversed block, none lost.
     */
    private static void checkBalances(PoolHarness pool, PayoutLedger payouts, Set<String> accounts, List<String> applied)
            throws Exception {
        Map<String, Long> immature = new TreeMap<>();
        Map<String, Long> paid = new TreeMap<>();
        for (String hash : applied) {
            BlockSettlement s = payouts.settlement(hash).orElseThrow();
            assertTrue(s.state().applied(), hash + " " + s);
            Map<String, Long> outputs = TidesInJobsTest.coinbaseOutputs(pool, hash);
            s.coinbasePayments().forEach(p -> {
                (s.state() == BlockSettlement.State.MATURE ? paid : immature).merge(p.account(), p.sats(), Long::sum);
                assertEquals(p.sats(), outputs.get(TidesInJobsTest.script(p.account())), "the coinbase of " + hash + " pays " + p);
            });
        }
        Map<String, Long> carried = carries(payouts, applied);
        long owed = 0;
        for (String account : accounts) {
            Balance balance = payouts.balance(account);
            assertEquals(new Balance(account, immature.getOrDefault(account, 0L), 0, 0, paid.getOrDefault(account, 0L),
                    carried.getOrDefault(account, 0L)), balance, account);
            owed += balance.immatureSats() + balance.paidSats() + balance.carriedSats();
        }
        long credited = 0;
        for (String hash : applied) {
            credited += payouts.settlement(hash).orElseThrow().credits().stream().mapToLong(c -> c.sats()).sum();
        }
        assertEquals(credited, owed, "owed = the applied blocks' credits");
    }

    /** What the applied blocks leave carried for each account: what each earned less what each coinbase paid. */
    private static Map<String, Long> carries(PayoutLedger payouts, List<String> applied) {
        Map<String, Long> carried = new TreeMap<>();
        for (String hash : applied) {
            BlockSettlement s = payouts.settlement(hash).orElseThrow();
            s.coinbasePayments().forEach(p -> carried.merge(p.account(), -p.sats(), Long::sum));
            s.credits().forEach(c -> carried.merge(c.account(), c.sats(), Long::sum));
        }
        carried.values().removeIf(v -> v == 0);
        assertFalse(carried.values().stream().anyMatch(v -> v < 0), carried.toString());
        return carried;
    }
}
