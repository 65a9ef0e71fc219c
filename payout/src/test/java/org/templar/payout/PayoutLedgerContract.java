package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.payout.scheme.Credit;
import org.templar.payout.scheme.Distribution;
import org.templar.payout.scheme.FoundBlock;
import org.templar.payout.scheme.PayoutScheme.SchemeKind;
import org.templar.payout.scheme.PoolFee;
import org.templar.payout.scheme.Pplns;
import org.templar.payout.scheme.Pps;
import org.templar.payout.scheme.Solo;
import org.templar.payout.scheme.Tides;
import org.templar.payout.scheme.WindowShare;

/**
 * The money's life in the ledger: credits, maturity, orphans, balances and payout batches. Run
 * against H2 ({@link PayoutLedgerH2Test}) and a real PostgreSQL ({@link PayoutLedgerPostgresTest}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class PayoutLedgerContract {
    static final String ALICE_ADDRESS = "bcrt1qalice0000000000000000000000000000000";
    static final String BOB_ADDRESS = "bcrt1qbob00000000000000000000000000000000";

    Ledger ledger;
    PayoutLedger payouts;

    abstract LedgerConfig config() throws Exception;

    @BeforeEach
    void open() throws Exception {
        ledger = Ledger.open(config());
        payouts = new PayoutLedger(ledger);
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    private String block(int n) {
        String hash = TestShares.hash("block", n);
        assertTrue(ledger.recordBlockCandidate(BlockRecord.candidate(100 + n, hash, "alice.rig1", 5_000_000_000L,
                "pool", TestShares.T0)));
        ledger.updateBlockStatus(hash, BlockStatus.SUBMITTED, null);
        return hash;
    }

    /** 1 % fee; alice 3, bob 1 of the window: 4,950,000,000 × 3/4 and × 1/4. */
    private static Distribution pplns() {
        return new Pplns(PoolFee.percent("1", "0"), 2).distribute(new FoundBlock(5_000_000_000L, 2, "alice"),
                List.of(WindowShare.of("alice.rig1", 3), WindowShare.of("bob", 1)));
    }

    /** A block credited with {@link #pplns()} and matured: its credits available. */
    private String maturePplnsBlock(int n) {
        String hash = block(n);
        payouts.credit(hash, SchemeKind.PPLNS, pplns());
        payouts.confirm(hash, 100);
        return hash;
    }

    private static final Function<String, Optional<String>> ADDRESSES =
            account -> Optional.ofNullable(Map.of("alice", ALICE_ADDRESS, "bob", BOB_ADDRESS).get(account));

    /** The worked example of SchemeExamplesTest: 1000 sat, a 4 b 3 c 2 d 1, room for two miners; on {@code carried}. */
    private static Tides.CoinbasePlan tidesExample(List<Credit> carried) {
        return new Tides(PoolFee.NONE, 1, 50, new byte[22], Optional.empty()).plan(1000, 10, "a", List.of(WindowShare.of("a", 4),
                WindowShare.of("b", 3), WindowShare.of("c", 2), WindowShare.of("d", 1)), carried, account -> Optional.of(new byte[22]), 93);
    }

    @Test
    void creditsStayImmatureUntilTheHundredthConfirmation() {
        String hash = block(1);
        Distribution d = pplns();
        assertEquals(List.of(new Credit("alice", 3_712_500_000L), new Credit("bob", 1_237_500_000L)), d.credits());
        assertTrue(payouts.credit(hash, SchemeKind.PPLNS, d));
        assertFalse(payouts.credit(hash, SchemeKind.PPLNS, d), "crediting again changes nothing");
        assertThrows(IllegalStateException.class, () -> payouts.credit(hash, SchemeKind.PROP, d));
        assertEquals(new Balance("alice", 3_712_500_000L, 0, 0, 0, 0), payouts.balance("alice"));

        payouts.confirm(hash, 1);
        assertEquals(BlockStatus.ACCEPTED, ledger.blockByHash(hash).orElseThrow().status());
        payouts.confirm(hash, 99);
        assertEquals(new Balance("bob", 1_237_500_000L, 0, 0, 0, 0), payouts.balance("bob"));
        BlockSettlement s = payouts.confirm(hash, 100).orElseThrow();
        assertEquals(BlockSettlement.State.MATURE, s.state());
        assertEquals(BlockStatus.MATURE, ledger.blockByHash(hash).orElseThrow().status());
        payouts.confirm(hash, 140); // the tracker runs again after a restart
        assertEquals(new Balance("alice", 0, 3_712_500_000L, 0, 0, 0), payouts.balance("alice"));
        assertEquals(new Balance("bob", 0, 1_237_500_000L, 0, 0, 0), payouts.balance("bob"));
        assertEquals(50_000_000L, s.poolSats());
    }

    @Test
    void anOrphanedBlockTakesItsCreditsBackAndShowsThem() {
        String hash = block(2);
        payouts.credit(hash, SchemeKind.PPLNS, pplns());
        payouts.confirm(hash, 3);
        payouts.orphan(hash, "reorganised away at height 102");
        payouts.orphan(hash, "reorganised away at height 102"); // again: nothing more happens
        assertEquals(Balance.empty("alice"), payouts.balance("alice"));
        BlockSettlement s = payouts.settlement(hash).orElseThrow();
        assertEquals(BlockSettlement.State.REVERSED, s.state());
        assertEquals(2, s.credits().size(), "the reversed credits are still shown");
        assertEquals(BlockStatus.ORPHANED, ledger.blockByHash(hash).orElseThrow().status());
        assertEquals(2, reversedCredits(hash));

        // a reorganisation brings it back: the same credits, applied again
        assertEquals(BlockSettlement.State.CREDITED, payouts.confirm(hash, 5).orElseThrow().state());
        assertEquals(BlockStatus.ACCEPTED, ledger.blockByHash(hash).orElseThrow().status());
        assertEquals(new Balance("alice", 3_712_500_000L, 0, 0, 0, 0), payouts.balance("alice"));
        assertEquals(0, reversedCredits(hash));
        assertEquals(List.of(BlockStatus.CANDIDATE, BlockStatus.SUBMITTED, BlockStatus.ACCEPTED, BlockStatus.ORPHANED,
                BlockStatus.ACCEPTED),
                ledger.blockHistory(hash).stream().map(BlockStatusChange::status).toList(), "every move recorded");
    }

    private long reversedCredits(String hash) {
        try (Connection c = ledger.dataSource().getConnection();
                java.sql.PreparedStatement q = c.prepareStatement(
                        "SELECT COUNT(*) FROM block_credits WHERE block_hash = ? AND reversed_at IS NOT NULL")) {
            q.setString(1, hash);
            try (java.sql.ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A reorganisation deeper than coinbase maturity takes a MATURE block off the chain after alice
     * was paid: its credits come back out of the available balances, alice's as a debt that no batch
     * pays and that her next credits pay first; bob's, not paid yet, simply go. If the block comes
     * back it is applied again, once.
     */
    @Test
    void aMatureBlockOrphanedAfterItWasPaidLeavesADebtThatLaterCreditsPayFirst() {
        String hash = maturePplnsBlock(30);
        PayoutBatch paid = payouts.createBatch(2_000_000_000L, ADDRESSES).orElseThrow(); // alice's 37.125 BTC only
        payouts.markSent(paid.id(), "ab".repeat(32));

        payouts.orphan(hash, "not in the best chain 150 blocks later, after it had matured");
        payouts.orphan(hash, "not in the best chain 151 blocks later, after it had matured"); // nothing more happens
        assertEquals(BlockStatus.ORPHANED, ledger.blockByHash(hash).orElseThrow().status());
        assertEquals(BlockSettlement.State.REVERSED, payouts.settlement(hash).orElseThrow().state());
        assertEquals(2, reversedCredits(hash), "the reversed credits are still shown");
        assertEquals(new Balance("alice", 0, -3_712_500_000L, 0, 3_712_500_000L, 0), payouts.balance("alice"), "a debt");
        assertEquals(Balance.empty("bob"), payouts.balance("bob"));
        assertEquals(Optional.empty(), payouts.createBatch(1, ADDRESSES), "nobody is due: a debt is never paid");

        String next = maturePplnsBlock(31);
        assertEquals(new Balance("alice", 0, 0, 0, 3_712_500_000L, 0), payouts.balance("alice"), "the debt is paid first");
        assertEquals(new Balance("bob", 0, 1_237_500_000L, 0, 0, 0), payouts.balance("bob"));

        // another reorganisation brings the first block back: its credits apply again, once
        payouts.confirm(hash, 180);
        payouts.confirm(hash, 181);
        assertEquals(BlockStatus.MATURE, ledger.blockByHash(hash).orElseThrow().status());
        assertEquals(BlockSettlement.State.MATURE, payouts.settlement(hash).orElseThrow().state());
        assertEquals(0, reversedCredits(hash));
        assertEquals(new Balance("alice", 0, 3_712_500_000L, 0, 3_712_500_000L, 0), payouts.balance("alice"));
        assertEquals(new Balance("bob", 0, 2_475_000_000L, 0, 0, 0), payouts.balance("bob"));
        assertEquals(List.of(BlockStatus.CANDIDATE, BlockStatus.SUBMITTED, BlockStatus.ACCEPTED, BlockStatus.MATURE,
                BlockStatus.ORPHANED, BlockStatus.ACCEPTED, BlockStatus.MATURE),
                ledger.blockHistory(hash).stream().map(BlockStatusChange::status).toList(), "every move recorded");
    }

    /** A debt meets a batch still pending: cancelling it pays the debt first. */
    @Test
    void aCancelledBatchPaysADebtFirst() {
        String hash = maturePplnsBlock(32);
        PayoutBatch pending = payouts.createBatch(2_000_000_000L, ADDRESSES).orElseThrow();
        payouts.orphan(hash, "reorganised away after maturity");
        assertEquals(new Balance("alice", 0, -3_712_500_000L, 3_712_500_000L, 0, 0), payouts.balance("alice"));
        payouts.cancel(pending.id());
        assertEquals(Balance.empty("alice"), payouts.balance("alice"), "the operator did not send it: nothing owed either way");
    }

    /**
     * A mature TIDES block orphaned by a deep reorganisation: its coinbase, which paid the miners, no
     * longer exists, so what it paid out of earlier carries is owed again, and what it earned and
     * carried itself goes (as for any orphaned block): the carries are those of the chain without it.
     */
    @Test
    void aMatureTidesBlockOrphanedOwesItsPaymentsAgainAsCarries() {
        String first = block(40);
        payouts.creditCoinbase(first, tidesExample(payouts.carried()));
        payouts.confirm(first, 100);
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), payouts.carried());
        String second = block(41);
        payouts.creditCoinbase(second, tidesExample(payouts.carried()));
        payouts.confirm(second, 100);
        // c was paid 400 (200 earned + the 200 carried), b's 300 and d's 200 are carried
        assertEquals(List.of(new Credit("b", 300), new Credit("d", 200)), payouts.carried());
        assertEquals(new Balance("c", 0, 0, 0, 400, 0), payouts.balance("c"));

        payouts.orphan(second, "not in the best chain 120 blocks later, after it had matured");
        payouts.orphan(second, "again");
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), payouts.carried(), "owed as after the first block");
        assertEquals(new Balance("c", 0, 0, 0, 0, 200), payouts.balance("c"), "its payment is gone, its carry owed again");
        assertEquals(new Balance("a", 0, 0, 0, 400, 0), payouts.balance("a"), "the first block's payment stands");

        payouts.confirm(second, 130); // it comes back
        payouts.confirm(second, 131);
        assertEquals(List.of(new Credit("b", 300), new Credit("d", 200)), payouts.carried());
        assertEquals(new Balance("c", 0, 0, 0, 400, 0), payouts.balance("c"));
    }

    /**
     * A mature TIDES block orphaned while a block of the new chain, planned before the tracker saw
     * the reorganisation, already paid out its carry: what was paid on chain cannot be taken back,
     * so that carry stops at zero, and the rest is owed as the chain without the block says.
     */
    @Test
    void aMatureTidesBlockWhoseCarryWasAlreadyPaidElsewhereLeavesNoNegativeCarry() {
        String first = block(50);
        payouts.creditCoinbase(first, tidesExample(payouts.carried()));
        payouts.confirm(first, 100);
        String next = block(51);
        payouts.creditCoinbase(next, tidesExample(payouts.carried())); // pays c the 200 the first block carried
        payouts.confirm(next, 1);
        assertEquals(List.of(new Credit("b", 300), new Credit("d", 200)), payouts.carried());
        payouts.orphan(first, "not in the best chain 120 blocks later, after it had matured");
        assertEquals(List.of(new Credit("b", 300), new Credit("d", 100)), payouts.carried(), "c was overpaid 200: carry 0");
        assertEquals(new Balance("c", 400, 0, 0, 0, 0), payouts.balance("c"));
        payouts.orphan(first, "again");
        assertEquals(List.of(new Credit("b", 300), new Credit("d", 100)), payouts.carried());
    }

    @Test
    void aStaleBlockIsSettledOnceTheChainDecides() {
        String won = block(3);
        ledger.updateBlockStatus(won, BlockStatus.STALE, "inconclusive");
        payouts.credit(won, SchemeKind.PPLNS, pplns());
        payouts.confirm(won, 1);
        assertEquals(BlockStatus.ACCEPTED, ledger.blockByHash(won).orElseThrow().status());

        String lost = block(4);
        ledger.updateBlockStatus(lost, BlockStatus.STALE, "inconclusive");
        payouts.credit(lost, SchemeKind.PPLNS, pplns());
        payouts.orphan(lost, "the other branch won");
        assertEquals(BlockStatus.ORPHANED, ledger.blockByHash(lost).orElseThrow().status());
        assertEquals(3_712_500_000L, payouts.balance("alice").immatureSats(), "only the block that won is credited");
    }

    @Test
    void soloCoinbasePaymentsArePaidAtMaturityNotHeld() {
        String hash = block(5);
        Distribution d = new Solo(PoolFee.percent("2", "0")).distribute(new FoundBlock(5_000_000_000L, 1, "alice"), List.of());
        payouts.credit(hash, SchemeKind.SOLO, d);
        assertEquals(new Balance("alice", 4_900_000_000L, 0, 0, 0, 0), payouts.balance("alice"));
        payouts.confirm(hash, 100);
        assertEquals(new Balance("alice", 0, 0, 0, 4_900_000_000L, 0), payouts.balance("alice"));
        assertEquals(Optional.empty(), payouts.createBatch(1, ADDRESSES), "nothing custodial to pay");
    }

    @Test
    void tidesCarriesAreKeptUntilACoinbasePaysThemAndRestoredWhenThatBlockIsOrphaned() {
        // The worked example of SchemeExamplesTest: 1000 sat, a 4 b 3 c 2 d 1, room for two miners.
        byte[] pool = new byte[22];
        Tides tides = new Tides(PoolFee.NONE, 1, 50, pool, Optional.empty());
        List<WindowShare> shares = List.of(WindowShare.of("a", 4), WindowShare.of("b", 3), WindowShare.of("c", 2),
                WindowShare.of("d", 1));
        Tides.OutputScripts scripts = account -> Optional.of(new byte[22]);

        String first = block(10);
        Tides.CoinbasePlan plan1 = tides.plan(1000, 10, "a", shares, payouts.carried(), scripts, 93);
        assertTrue(payouts.creditCoinbase(first, plan1));
        assertFalse(payouts.creditCoinbase(first, plan1));
        assertEquals(BlockSettlement.State.HELD, payouts.settlement(first).orElseThrow().state());
        assertEquals(List.of(), payouts.carried(), "held until the block is in the best chain");
        assertEquals(Balance.empty("a"), payouts.balance("a"));
        payouts.confirm(first, 1);
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), payouts.carried());
        assertEquals(new Balance("a", 400, 0, 0, 0, 0), payouts.balance("a"));

        String second = block(11);
        Tides.CoinbasePlan plan2 = tides.plan(1000, 10, "a", shares, payouts.carried(), scripts, 93);
        payouts.creditCoinbase(second, plan2);
        payouts.confirm(second, 1);
        // c was paid 400 (200 earned now + 200 carried), b's 300 and d's 200 are carried.
        assertEquals(List.of(new Credit("b", 300), new Credit("d", 200)), payouts.carried());
        assertEquals(new Balance("c", 400, 0, 0, 0, 0), payouts.balance("c"));

        payouts.orphan(second, "reorganised away");
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), payouts.carried(), "back to after the first block");
        assertEquals(new Balance("c", 0, 0, 0, 0, 200), payouts.balance("c"));

        payouts.confirm(first, 100);
        assertEquals(new Balance("a", 0, 0, 0, 400, 0), payouts.balance("a"));
        assertEquals(new Balance("d", 0, 0, 0, 0, 100), payouts.balance("d"));
    }

    @Test
    void aTidesBlockKeepsItsPlanInputsAndARefusedOneGivesItsCreditsBack() {
        String first = block(20);
        payouts.creditCoinbase(first, tidesExample(payouts.carried()));
        payouts.confirm(first, 1);
        List<Credit> carried = payouts.carried();
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), carried);

        String refused = block(21);
        Tides.JobPayout job = new Tides.JobPayout(tidesExample(carried), 42, 10, carried);
        assertTrue(payouts.creditCoinbase(refused, job));
        assertFalse(payouts.creditCoinbase(refused, job), "idempotent");
        assertEquals(Optional.of(new PayoutLedger.PlanInputs(42, 10, carried)), payouts.coinbasePlanInputs(refused));
        assertEquals(Optional.empty(), payouts.coinbasePlanInputs(first), "credited without its inputs");
        assertEquals(carried, payouts.carried(), "held: not in the best chain yet");
        assertEquals(List.of(new Credit("b", 300), new Credit("d", 200)), payouts.carriedOnChain(121, b -> true),
                "a plan on top of it counts it");

        // every node refused it: it stays REJECTED, and its credits go back (the tracker does this
        // orphan_depth blocks later)
        ledger.updateBlockStatus(refused, BlockStatus.REJECTED, "high-hash");
        payouts.orphan(refused, "refused by every node");
        payouts.orphan(refused, "refused by every node");
        assertEquals(BlockStatus.REJECTED, ledger.blockByHash(refused).orElseThrow().status());
        assertEquals(BlockSettlement.State.REVERSED, payouts.settlement(refused).orElseThrow().state());
        assertEquals(carried, payouts.carried(), "the carries are what the refused block found");
    }

    /**
     * Two miners solve the same TIDES job: both blocks are recorded HELD at their solve, one joins the
     * best chain and is applied, the other is held off it. Each plan starts from the carries of the
     * chain it builds on. Then the sibling's branch wins: the first block and its child leave (highest
     * first) and the sibling is applied on the carries its plan started from; then the first branch
     * wins back. Every step keeps balances and carries equal to the blocks of the best chain: no
     * satoshi created or lost, nothing counted twice.
     */
    @Test
    void tidesSettlementsFollowTheBestChainThroughAReorganisationAndBack() {
        Tides tides = new Tides(PoolFee.NONE, 1, 50, new byte[22], Optional.empty());
        List<WindowShare> shares = List.of(WindowShare.of("a", 4), WindowShare.of("b", 3), WindowShare.of("c", 2),
                WindowShare.of("d", 1));
        Tides.OutputScripts scripts = account -> Optional.of(new byte[22]);
        Tides.CoinbasePlan onEmpty = tides.plan(1000, 10, "a", shares, List.of(), scripts, 93);
        String first = blockAt(130, "first");
        String sibling = blockAt(130, "sibling");
        payouts.creditCoinbase(first, onEmpty);
        payouts.creditCoinbase(sibling, onEmpty);
        assertEquals(List.of(), payouts.carried(), "both held");
        java.util.Set<String> best = new java.util.HashSet<>(List.of(first));
        java.util.function.Predicate<BlockRecord> onBest = b -> best.contains(b.hash());
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), payouts.carriedOnChain(130, onBest),
                "a plan on the first block counts it, not its sibling");

        payouts.confirm(first, 1);
        ledger.updateBlockStatus(sibling, BlockStatus.STALE, "held off the active chain");
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), payouts.carried(), "counted once");
        List<String> asked = new ArrayList<>();
        List<Credit> carried = payouts.carriedOnChain(130, b -> asked.add(b.hash()) && onBest.test(b));
        assertEquals(payouts.carried(), carried);
        assertEquals(List.of(first), asked, "one question per height: the accepted block's sibling is not on the chain");
        // owed a 400, c 200 + 200, b 300, d 100 + 100: a and c are paid, b and d carried
        String child = blockAt(131, "child");
        payouts.creditCoinbase(child, tides.plan(1000, 10, "a", shares, carried, scripts, 93));
        best.add(child);
        assertEquals(List.of(new Credit("b", 300), new Credit("d", 200)), payouts.carriedOnChain(131, onBest),
                "a plan on the child, still held");
        payouts.confirm(child, 1);
        payouts.confirm(first, 2);
        assertEquals(List.of(new Credit("b", 300), new Credit("d", 200)), payouts.carried());
        assertEquals(new Balance("a", 800, 0, 0, 0, 0), payouts.balance("a"));
        assertEquals(new Balance("c", 400, 0, 0, 0, 0), payouts.balance("c"));

        // The sibling's branch wins: off the chain highest first, then the sibling on.
        best.clear();
        best.add(sibling);
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), payouts.carriedOnChain(131, onBest),
                "a plan on the sibling's branch, before the tracker has moved anything");
        payouts.leaveChain(child, "left the best chain");
        payouts.leaveChain(first, "left the best chain");
        payouts.leaveChain(first, "left the best chain"); // again: nothing more
        payouts.confirm(sibling, 2);
        assertEquals(BlockStatus.STALE, ledger.blockByHash(first).orElseThrow().status(), "its branch may still win");
        assertEquals(BlockSettlement.State.REVERSED, payouts.settlement(first).orElseThrow().state());
        assertEquals(BlockSettlement.State.REVERSED, payouts.settlement(child).orElseThrow().state());
        assertEquals(4, reversedCredits(first), "the reversed credits are shown");
        assertEquals(BlockStatus.ACCEPTED, ledger.blockByHash(sibling).orElseThrow().status());
        assertEquals(BlockSettlement.State.CREDITED, payouts.settlement(sibling).orElseThrow().state());
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), payouts.carried());
        assertEquals(payouts.carriedOnChain(131, onBest), payouts.carried(), "the tracker and the plans agree");
        assertEquals(new Balance("a", 400, 0, 0, 0, 0), payouts.balance("a"));
        assertEquals(new Balance("c", 0, 0, 0, 0, 200), payouts.balance("c"));
        assertEquals(1000, owed(), "one block's 1000 sat, in coinbase outputs and carries");

        // and the first branch back: the sibling off, the first block and its child on, lowest first
        best.clear();
        best.addAll(List.of(first, child));
        payouts.leaveChain(sibling, "left the best chain");
        payouts.confirm(first, 2);
        payouts.confirm(child, 1);
        assertEquals(List.of(new Credit("b", 300), new Credit("d", 200)), payouts.carried());
        assertEquals(payouts.carriedOnChain(131, onBest), payouts.carried());
        assertEquals(new Balance("a", 800, 0, 0, 0, 0), payouts.balance("a"));
        assertEquals(2000, owed(), "two blocks' 2000 sat");
        assertEquals(0, reversedCredits(first), "applied again");

        // the sibling's branch never comes back: given up, its settlement stays reversed
        payouts.orphan(sibling, "not in the best chain");
        assertEquals(BlockSettlement.State.REVERSED, payouts.settlement(sibling).orElseThrow().state());
        assertEquals(BlockStatus.ORPHANED, ledger.blockByHash(sibling).orElseThrow().status());
        assertEquals(2000, owed());
    }

    @Test
    void aHeldTidesBlockThatNeverJoinsIsGivenUpWithoutTouchingBalances() {
        Tides tides = new Tides(PoolFee.NONE, 1, 50, new byte[22], Optional.empty());
        String stale = blockAt(140, "stale");
        payouts.creditCoinbase(stale, tides.plan(1000, 10, "a", List.of(WindowShare.of("a", 1), WindowShare.of("b", 1)),
                List.of(), account -> Optional.of(new byte[22]), 93));
        ledger.updateBlockStatus(stale, BlockStatus.STALE, "inconclusive");
        payouts.leaveChain(stale, "not in the best chain"); // held, nothing applied: nothing to take back
        assertEquals(BlockSettlement.State.HELD, payouts.settlement(stale).orElseThrow().state());
        payouts.orphan(stale, "the other branch won");
        assertEquals(BlockSettlement.State.REVERSED, payouts.settlement(stale).orElseThrow().state());
        assertEquals(2, reversedCredits(stale));
        assertEquals(0, owed());
    }

    /** Everything the ledger owes in-coinbase miners: immature coinbase outputs plus carries. */
    private long owed() {
        try (Connection c = ledger.dataSource().getConnection(); Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT COALESCE(SUM(immature_sats + carried_sats), 0) FROM balances")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    private String blockAt(long height, String tag) {
        String hash = TestShares.hash(tag, (int) height);
        assertTrue(ledger.recordBlockCandidate(BlockRecord.candidate(height, hash, "alice.rig1", 1000, "pool", TestShares.T0)));
        ledger.updateBlockStatus(hash, BlockStatus.SUBMITTED, null);
        return hash;
    }

    @Test
    void aBatchPaysEachAvailableBalanceOnceAndRendersAsSendmany() {
        String hash = maturePplnsBlock(6);

        // bob's 12.375 BTC is under the 20 BTC minimum: only alice is paid.
        PayoutBatch batch = payouts.createBatch(2_000_000_000L, ADDRESSES).orElseThrow();
        assertEquals(List.of(new PayoutBatch.Item("alice", ALICE_ADDRESS, 3_712_500_000L)), batch.items());
        assertEquals("{\"jsonrpc\":\"1.0\",\"id\":\"templar-payout-" + batch.id() + "\",\"method\":\"sendmany\",\"params\":[\"\","
                + "{\"" + ALICE_ADDRESS + "\":37.12500000}]}", batch.sendManyRequest());
        assertEquals(new Balance("alice", 0, 0, 3_712_500_000L, 0, 0), payouts.balance("alice"));
        assertEquals(Optional.empty(), payouts.createBatch(2_000_000_000L, ADDRESSES), "alice's balance is already in a batch");

        String txid = "ab".repeat(32);
        assertEquals(PayoutBatch.State.SENT, payouts.markSent(batch.id(), txid).state());
        assertEquals(PayoutBatch.State.SENT, payouts.markSent(batch.id(), txid.toUpperCase()).state());
        assertThrows(IllegalStateException.class, () -> payouts.markSent(batch.id(), "cd".repeat(32)));
        assertThrows(IllegalStateException.class, () -> payouts.cancel(batch.id()));
        assertEquals(new Balance("alice", 0, 0, 0, 3_712_500_000L, 0), payouts.balance("alice"));
    }

    @Test
    void aCancelledBatchReturnsItsAmounts() {
        String hash = maturePplnsBlock(7);
        PayoutBatch batch = payouts.createBatch(1, ADDRESSES).orElseThrow();
        assertEquals(2, batch.items().size());
        assertEquals(PayoutBatch.State.CANCELLED, payouts.cancel(batch.id()).state());
        payouts.cancel(batch.id());
        assertEquals(new Balance("bob", 0, 1_237_500_000L, 0, 0, 0), payouts.balance("bob"));
        assertThrows(IllegalStateException.class, () -> payouts.markSent(batch.id(), "ab".repeat(32)));
        PayoutBatch again = payouts.createBatch(1, ADDRESSES).orElseThrow();
        assertEquals(batch.totalSats(), again.totalSats());
    }

    @Test
    void theDatabaseItselfRefusesToPayABalanceTwice() throws Exception {
        String hash = maturePplnsBlock(8);
        PayoutBatch batch = payouts.createBatch(1, ADDRESSES).orElseThrow();
        try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement()) {
            // Taking alice's money a second time would make her available balance negative.
            SQLException overdraw = assertThrows(SQLException.class, () -> s.executeUpdate(
                    "UPDATE balances SET available_sats = available_sats - 1 WHERE account = 'alice'"));
            assertEquals("23", overdraw.getSQLState().substring(0, 2), overdraw.toString());
            // The same account twice in one batch.
            SQLException duplicate = assertThrows(SQLException.class, () -> s.executeUpdate(
                    "INSERT INTO payout_items (batch_id, account, address, sats) VALUES (" + batch.id() + ", 'alice', '"
                            + ALICE_ADDRESS + "', 1)"));
            assertEquals("23", duplicate.getSQLState().substring(0, 2), duplicate.toString());
            // A sent batch without its txid.
            SQLException noTxid = assertThrows(SQLException.class, () -> s.executeUpdate(
                    "UPDATE payout_batches SET state = 'SENT' WHERE id = " + batch.id()));
            assertEquals("23", noTxid.getSQLState().substring(0, 2), noTxid.toString());
        }
    }

    @Test
    void concurrentBatchesNeverShareABalance() throws Exception {
        for (int n = 0; n < 3; n++) {
            String hash = block(20 + n);
            payouts.credit(hash, SchemeKind.PPLNS, pplns());
            payouts.confirm(hash, 100);
        }
        long available = payouts.balance("alice").availableSats() + payouts.balance("bob").availableSats();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Optional<PayoutBatch>>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit((Callable<Optional<PayoutBatch>>) () -> payouts.createBatch(1, ADDRESSES)));
            }
            long batched = 0;
            int made = 0;
            for (Future<Optional<PayoutBatch>> f : results) {
                Optional<PayoutBatch> b;
                try {
                    b = f.get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    // PostgreSQL may abort one of two racing transactions (serialization/lock); that is refusal, not loss.
                    assertTrue(e.getCause() instanceof LedgerException, e.toString());
                    continue;
                }
                if (b.isPresent()) {
                    made++;
                    batched += b.get().totalSats();
                }
            }
            assertEquals(1, made, "one batch takes everything, the others find nothing");
            assertEquals(available, batched);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, payouts.balance("alice").availableSats());
    }

    private void recordShares(String... workerAndDifficulty) throws Exception {
        List<java.util.concurrent.CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < workerAndDifficulty.length; i += 2) {
            long n = System.nanoTime();
            acks.add(ledger.recordShare(ShareRecord.of(workerAndDifficulty[i], "j", "c",
                    Double.parseDouble(workerAndDifficulty[i + 1]), 100, TestShares.hash("pps", n), false, ShareRecord.POOL,
                    TestShares.T0.plusMillis(i))));
            acks.get(acks.size() - 1).get(30, TimeUnit.SECONDS); // one by one: ids follow this order
        }
    }

    @Test
    void ppsCreditsEveryShareOnceInBatches() throws Exception {
        // The worked example: shares worth 4 of network difficulty 1000 at 50 BTC are worth
        // 20,000,000 sat; 2 % fee; alice 1 -> 4,900,000, bob 3 -> 14,700,000.
        recordShares("alice.r", "1", "bob", "2", "bob", "1");
        Pps pps = new Pps(PoolFee.percent("2", "0"), false);
        Pps.Rate rate = new Pps.Rate(5_000_000_000L, 1000, List.of());
        Instant later = Instant.now();
        PayoutLedger.ShareCreditBatch first = payouts.creditShares(pps, rate, 1000, later).orElseThrow();
        assertEquals(3, first.shares());
        assertEquals(List.of(new Credit("alice", 4_900_000L), new Credit("bob", 14_700_000L)), first.distribution().credits());
        assertEquals(new Balance("bob", 0, 14_700_000L, 0, 0, 0), payouts.balance("bob"));
        assertEquals(Optional.empty(), payouts.creditShares(pps, rate, 1000, later), "no share is credited twice");

        // Two new shares, at most one per batch: each batch starts where the last one ended.
        recordShares("alice.r", "1", "alice.r", "1");
        PayoutLedger.ShareCreditBatch second = payouts.creditShares(pps, rate, 1, later).orElseThrow();
        assertEquals(first.toShareId(), second.fromShareId());
        assertEquals(1, second.shares());
        PayoutLedger.ShareCreditBatch third = payouts.creditShares(pps, rate, 1, later).orElseThrow();
        assertEquals(second.toShareId(), third.fromShareId());
        // 5,000,000 sat per share less 2 %: 4,900,000 each.
        assertEquals(3 * 4_900_000L, payouts.balance("alice").availableSats());
    }

    @Test
    void twoInstancesCannotCreditTheSameShares() throws Exception {
        recordShares("alice.r", "1");
        // Another instance got there first: its batch starts where ours would.
        try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO share_credit_batches (scheme, from_share_id, to_share_id, value_sats, credited_sats, "
                    + "pool_sats, donation_sats, credited_at) VALUES ('PPS', 0, 1000000, 0, 0, 0, 0, CURRENT_TIMESTAMP)");
        }
        assertEquals(Optional.empty(), payouts.creditShares(new Pps(PoolFee.NONE, false),
                new Pps.Rate(5_000_000_000L, 1, List.of()), 10, Instant.now()), "its batch covers our share");
        try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM share_credit_batches");
            s.executeUpdate("INSERT INTO share_credit_batches (scheme, from_share_id, to_share_id, value_sats, credited_sats, "
                    + "pool_sats, donation_sats, credited_at) VALUES ('PPS', 0, 1, 0, 0, 0, 0, CURRENT_TIMESTAMP)");
            SQLException twice = assertThrows(SQLException.class, () -> s.executeUpdate("INSERT INTO share_credit_batches "
                    + "(scheme, from_share_id, to_share_id, value_sats, credited_sats, pool_sats, donation_sats, credited_at) "
                    + "VALUES ('PPS', 0, 5, 0, 0, 0, 0, CURRENT_TIMESTAMP)"));
            assertEquals("23", twice.getSQLState().substring(0, 2), twice.toString());
        }
        assertEquals(Balance.empty("alice"), payouts.balance("alice"));
    }

    /** The pool-share ids in ledger order (recordShares writes them one by one). */
    private List<Long> poolShareIds() throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT id FROM shares WHERE payout_mode = 'pool' ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement()) {
            assertEquals(1, s.executeUpdate(sql), sql);
        }
    }

    private List<String> shareCreditProblems(PayoutVerifier verifier) {
        List<String> problems = new ArrayList<>();
        verifier.verifyShareCredits(PayoutLedger.ShareCreditSelection.newest(100)).forEach(c -> problems.addAll(c.problems()));
        return problems;
    }

    @Test
    void ppsBatchesKeepTheirRateAndVerifyNamesEveryTampering() throws Exception {
        // FPPS at network difficulty 1000, 50 BTC subsidy, recent fees 1 and 2 BTC: (2 x 50 + 3) / 2 / 1000
        // = 5,150,000 sat per unit of difficulty. alice 1, bob 2 + 1: 20,600,000 sat; 2 % fee 412,000,
        // 0.5 % donation 103,000; miners 20,085,000: alice 5,021,250, bob 15,063,750.
        recordShares("alice.r", "1", "bob", "2", "bob", "1");
        Pps fpps = new Pps(PoolFee.percent("2", "0.5"), true);
        Pps.Rate rate = new Pps.Rate(5_000_000_000L, 1000, List.of(100_000_000L, 200_000_000L));
        Instant later = Instant.now();
        PayoutLedger.ShareCreditBatch first = payouts.creditShares(fpps, rate, 1000, later).orElseThrow();
        assertEquals(List.of(new Credit("alice", 5_021_250L), new Credit("bob", 15_063_750L)), first.distribution().credits());
        recordShares("alice.r", "1");
        payouts.creditShares(fpps, new Pps.Rate(5_000_000_000L, 2000, List.of(300_000_000L)), 1000, later).orElseThrow();

        List<PayoutLedger.ShareCreditRecord> batches = payouts.shareCreditBatches(PayoutLedger.ShareCreditSelection.newest(10));
        assertEquals(2, batches.size());
        PayoutLedger.ShareCreditRecord one = batches.get(0);
        assertEquals(new PayoutLedger.Pricing(fpps, new Pps.Rate(5_000_000_000L, 1000, 2, 300_000_000L)), one.pricing().orElseThrow(),
                "the rate and fee are kept exactly");
        assertEquals(List.of(new Credit("alice", 5_021_250L), new Credit("bob", 15_063_750L)), one.credits());
        assertEquals(List.of(batches.get(1)), payouts.shareCreditBatches(PayoutLedger.ShareCreditSelection.batch(batches.get(1).id())));
        assertEquals(2, payouts.shareCreditBatches(PayoutLedger.ShareCreditSelection.period(later.minusSeconds(3600),
                Instant.now().plusSeconds(3600), 10)).size());
        assertEquals(0, payouts.shareCreditBatches(PayoutLedger.ShareCreditSelection.period(later.plusSeconds(3600),
                later.plusSeconds(7200), 10)).size());

        PayoutVerifier verifier = new PayoutVerifier(payouts, new Pps(PoolFee.NONE, false), null, a -> Optional.empty());
        List<PayoutVerifier.ShareCreditCheck> honest = verifier.verifyShareCredits(PayoutLedger.ShareCreditSelection.newest(10));
        assertEquals(2, honest.size());
        assertTrue(honest.stream().allMatch(PayoutVerifier.ShareCreditCheck::ok), honest.toString());
        assertEquals(3, honest.get(0).shares());
        assertEquals(List.of(new PayoutVerifier.Line("alice", 5_021_250L, 5_021_250L, -1, -1),
                new PayoutVerifier.Line("bob", 15_063_750L, 15_063_750L, -1, -1)), honest.get(0).lines());
        String name = "batch " + one.id() + " (shares " + (one.fromShareId() + 1) + ".." + one.toShareId() + "): ";
        List<Long> ids = poolShareIds();

        // A changed share: bob's 2 made 3 after the fact. Value 25,750,000, fee 515,000, donation 128,750;
        // alice's fifth of the miners' 25,106,250 is what she had, bob's four fifths are not.
        execute("UPDATE shares SET share_difficulty = 3 WHERE id = " + ids.get(1));
        assertEquals(List.of(name + "value/fee/donation: the ledger has 20600000/412000/103000 sat, the shares give "
                + "25750000/515000/128750 sat", name + "bob: credited 15063750 sat, the shares give 20085000 sat"),
                shareCreditProblems(verifier));
        execute("UPDATE shares SET share_difficulty = 2 WHERE id = " + ids.get(1));
        assertEquals(List.of(), shareCreditProblems(verifier));

        // A changed credit amount.
        execute("UPDATE share_credits SET sats = sats + 1 WHERE batch_id = " + one.id() + " AND account = 'bob'");
        assertEquals(List.of(name + "bob: credited 15063751 sat, the shares give 15063750 sat"), shareCreditProblems(verifier));
        execute("UPDATE share_credits SET sats = sats - 1 WHERE batch_id = " + one.id() + " AND account = 'bob'");

        // A deleted credit.
        execute("DELETE FROM share_credits WHERE batch_id = " + one.id() + " AND account = 'alice'");
        assertEquals(List.of(name + "alice: credited 0 sat, the shares give 5021250 sat"), shareCreditProblems(verifier));
        execute("INSERT INTO share_credits (batch_id, account, sats) VALUES (" + one.id() + ", 'alice', 5021250)");

        // A share moved to the other miner.
        execute("UPDATE shares SET user_name = 'alice', worker = 'alice' WHERE id = " + ids.get(2));
        assertEquals(List.of(name + "alice: credited 5021250 sat, the shares give 10042500 sat",
                name + "bob: credited 15063750 sat, the shares give 10042500 sat"), shareCreditProblems(verifier));
        execute("UPDATE shares SET user_name = 'bob', worker = 'bob' WHERE id = " + ids.get(2));

        // A share credited twice: a third batch over the second one's share.
        PayoutLedger.ShareCreditRecord two = batches.get(1);
        execute("INSERT INTO share_credit_batches (scheme, from_share_id, to_share_id, value_sats, credited_sats, pool_sats, "
                + "donation_sats, credited_at) VALUES ('FPPS', " + (two.fromShareId() - 1) + ", " + two.toShareId()
                + ", 0, 0, 0, 0, CURRENT_TIMESTAMP)");
        List<String> twice = shareCreditProblems(verifier);
        String secondName = "batch " + two.id() + " (shares " + (two.fromShareId() + 1) + ".." + two.toShareId() + "): ";
        assertTrue(twice.stream().anyMatch(p -> p.startsWith(secondName + "shares " + (two.fromShareId() + 1) + ".." + two.toShareId()
                + " are also in batch ") && p.endsWith(": credited twice")), twice.toString());
        assertTrue(twice.stream().anyMatch(p -> p.startsWith(name + "shares " + one.toShareId() + ".." + one.toShareId()
                + " are also in batch ")), twice.toString());
        execute("DELETE FROM share_credit_batches WHERE from_share_id = " + (two.fromShareId() - 1));

        // Shares no batch covers: the second batch's range pushed past its share.
        execute("UPDATE share_credit_batches SET from_share_id = " + two.toShareId() + ", to_share_id = " + (two.toShareId() + 5)
                + " WHERE id = " + two.id());
        List<String> gap = shareCreditProblems(verifier);
        String moved = "batch " + two.id() + " (shares " + (two.toShareId() + 1) + ".." + (two.toShareId() + 5) + "): ";
        assertEquals(List.of(moved + "1 pool share(s) with ids " + two.toShareId() + ".." + two.toShareId()
                + " lie between the previous batch and this one: never credited",
                moved + "the ledger holds no pool share in its range, but the batch credits 2650000 sat"), gap);
        execute("UPDATE share_credit_batches SET from_share_id = " + two.fromShareId() + ", to_share_id = " + two.toShareId()
                + " WHERE id = " + two.id());
        assertEquals(List.of(), shareCreditProblems(verifier));

        // A batch credited before rates were recorded is shown, not priced: no mismatch.
        execute("UPDATE share_credit_batches SET subsidy_sats = NULL, network_difficulty = NULL, fee_blocks = NULL, fees_sats = NULL, "
                + "fee_ppm = NULL, donation_ppm = NULL WHERE id = " + one.id());
        PayoutVerifier.ShareCreditCheck legacy = verifier.verifyShareCredits(PayoutLedger.ShareCreditSelection.batch(one.id())).get(0);
        assertTrue(legacy.ok() && legacy.notPriced().isPresent(), legacy.toString());
        assertEquals(-1, legacy.lines().get(0).expectedSats());
        // ...and the database refuses a rate recorded in part.
        try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement()) {
            SQLException part = assertThrows(SQLException.class,
                    () -> s.executeUpdate("UPDATE share_credit_batches SET subsidy_sats = 1 WHERE id = " + one.id()));
            assertEquals("23", part.getSQLState().substring(0, 2), part.toString());
        }
    }

    @Test
    void aPpsBatchEndsBeforeTheFirstShareNotYetSettled() throws Exception {
        // ids in this order: an old share, one still settling (a later time), another old one. Taking
        // the third and skipping the second would leave the second below the next batch, never credited.
        Instant settled = Instant.now().minusSeconds(30);
        String[] users = {"alice", "bob", "alice"};
        Instant[] times = {settled.minusSeconds(60), settled.plusSeconds(10), settled.minusSeconds(50)};
        for (int i = 0; i < 3; i++) {
            ledger.recordShare(ShareRecord.of(users[i], "j", "c", 1, 100, TestShares.hash("young", i), false, ShareRecord.POOL,
                    times[i])).get(30, TimeUnit.SECONDS);
        }
        Pps pps = new Pps(PoolFee.NONE, false);
        Pps.Rate rate = new Pps.Rate(5_000_000_000L, 1000, List.of());
        PayoutLedger.ShareCreditBatch batch = payouts.creditShares(pps, rate, 1000, settled).orElseThrow();
        assertEquals(1, batch.shares());
        assertEquals(List.of(new Credit("alice", 5_000_000L)), batch.distribution().credits());
        assertEquals(Optional.empty(), payouts.creditShares(pps, rate, 1000, settled), "bob's share still settles");
        PayoutLedger.ShareCreditBatch rest = payouts.creditShares(pps, rate, 1000, settled.plusSeconds(11)).orElseThrow();
        assertEquals(2, rest.shares());
        assertEquals(batch.toShareId(), rest.fromShareId());
        assertTrue(new PayoutVerifier(payouts, pps, null, a -> Optional.empty())
                .verifyShareCredits(PayoutLedger.ShareCreditSelection.newest(10)).stream()
                .allMatch(PayoutVerifier.ShareCreditCheck::ok));
    }
}
