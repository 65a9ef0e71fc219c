package org.templar.payout.scheme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.templar.payout.coinbase.TxOut;

/** Worked examples: every number below was computed by hand, as written in the comments. */
class SchemeExamplesTest {
    private static final byte[] POOL = p2wpkh(0x50);

    static byte[] p2wpkh(int fill) {
        byte[] s = new byte[22];
        s[0] = 0x00;
        s[1] = 0x14;
        for (int i = 2; i < 22; i++) {
            s[i] = (byte) fill;
        }
        return s;
    }

    @Test
    void equalRemaindersGoToTheFirstAccountByName() {
        // 10 / 3 = 3 each, remainder 1 each: the leftover satoshi goes to "a".
        TreeMap<String, ExactWeight> w = new TreeMap<>();
        w.put("c", ExactWeight.ONE);
        w.put("a", ExactWeight.ONE);
        w.put("b", ExactWeight.ONE);
        assertEquals(List.of(new Credit("a", 4), new Credit("b", 3), new Credit("c", 3)), Apportion.largestRemainder(10, w));
    }

    @Test
    void theLargestRemainderWinsOverTheName() {
        // 100 × 1/3 = 33 r 1; 100 × 2/3 = 66 r 2: the leftover satoshi goes to b.
        TreeMap<String, ExactWeight> w = new TreeMap<>();
        w.put("a", ExactWeight.of(1L));
        w.put("b", ExactWeight.of(2L));
        assertEquals(List.of(new Credit("a", 33), new Credit("b", 67)), Apportion.largestRemainder(100, w));
    }

    @Test
    void pplnsCountsOnlyThePartOfTheOldestShareInsideTheWindow() {
        // Window 2 × difficulty 4 = 8. Newest first: alice 1, carol 3, bob 2 (total 6), then alice's 4
        // counts for 2 only. Weights alice 3, carol 3, bob 2 of 8. Fee 1 % of 50 BTC = 50,000,000.
        // 4,950,000,000 × 3/8 = 1,856,250,000; × 2/8 = 1,237,500,000.
        List<WindowShare> shares = List.of(
                WindowShare.of("zed.old", 1000), // outside the window entirely
                WindowShare.of("alice.r1", 4), WindowShare.of("bob", 2), WindowShare.of("carol.x", 3),
                WindowShare.of("alice.r2", 1));
        Distribution d = new Pplns(PoolFee.percent("1", "0"), 2).distribute(new FoundBlock(5_000_000_000L, 4, "alice"), shares);
        assertEquals(List.of(new Credit("alice", 1_856_250_000L), new Credit("bob", 1_237_500_000L),
                new Credit("carol", 1_856_250_000L)), d.credits());
        assertEquals(50_000_000L, d.poolSats());
        assertEquals(0, d.creditOf("zed"));
    }

    @Test
    void revenueWeightScalesAShareButNotTheWindow() {
        // Window 8: bob 4 (weight 1) and alice 4 at revenue weight 0.5 both fit; weights 4 and 2.
        // 600 × 2/6 = 200, 600 × 4/6 = 400.
        List<WindowShare> shares = List.of(new WindowShare("alice", "alice", 4, 0.5), WindowShare.of("bob", 4));
        Distribution d = new Pplns(PoolFee.NONE, 1).distribute(new FoundBlock(600, 8, "bob"), shares);
        assertEquals(List.of(new Credit("alice", 200), new Credit("bob", 400)), d.credits());
    }

    @Test
    void propDividesExactlyWhereFloatingPointWouldNot() {
        // 0.1 + 0.2 != 0.3 in doubles, but the double 0.2 is exactly twice the double 0.1, so the
        // weights are exactly 1 : 2 and 3 sat split 1 and 2 with no remainder.
        List<WindowShare> round = List.of(WindowShare.of("a", 0.1), WindowShare.of("b", 0.2));
        Distribution d = new Prop(PoolFee.NONE).distribute(new FoundBlock(3, 1, "a"), round);
        assertEquals(List.of(new Credit("a", 1), new Credit("b", 2)), d.credits());
    }

    @Test
    void aRoundWithoutWeightPaysTheFinder() {
        List<WindowShare> round = List.of(new WindowShare("a", "a", 5, 0));
        Distribution d = new Prop(PoolFee.percent("2", "0")).distribute(new FoundBlock(1000, 1, "f"), round);
        assertEquals(List.of(new Credit("f", 980)), d.credits());
        assertEquals(20, d.poolSats());
    }

    @Test
    void ppsPaysExpectedValueAndFppsAddsTheMeanFee() {
        // Shares worth 4 of network difficulty 1000: PPS gross 5,000,000,000 × 4/1000 = 20,000,000;
        // 2 % fee 400,000; 19,600,000 split 1 : 3 = 4,900,000 and 14,700,000.
        List<WindowShare> shares = List.of(WindowShare.of("alice", 1), WindowShare.of("bob", 3));
        Pps.Rate rate = new Pps.Rate(5_000_000_000L, 1000, List.of(100_000_000L, 200_000_000L));
        Distribution pps = new Pps(PoolFee.percent("2", "0"), false).creditShares(rate, shares);
        assertEquals(20_000_000L, pps.rewardSats());
        assertEquals(400_000L, pps.poolSats());
        assertEquals(List.of(new Credit("alice", 4_900_000L), new Credit("bob", 14_700_000L)), pps.credits());
        // FPPS: mean fee 150,000,000, block value 5,150,000,000, gross 20,600,000, fee 412,000,
        // 20,188,000 split 1 : 3 = 5,047,000 and 15,141,000.
        Distribution fpps = new Pps(PoolFee.percent("2", "0"), true).creditShares(rate, shares);
        assertEquals(20_600_000L, fpps.rewardSats());
        assertEquals(412_000L, fpps.poolSats());
        assertEquals(List.of(new Credit("alice", 5_047_000L), new Credit("bob", 15_141_000L)), fpps.credits());
        // The pool bore the luck: a found block is all the pool's.
        Distribution block = new Pps(PoolFee.NONE, true).distribute(new FoundBlock(700, 1, "alice"), shares);
        assertEquals(700, block.poolSats());
        assertEquals(List.of(), block.credits());
    }

    @Test
    void soloPaysTheFinderLessFeeAndDonation() {
        // 312,500,000 × 1.5 % = 4,687,500; × 0.5 % = 1,562,500; the miner gets 306,250,000.
        Solo solo = new Solo(PoolFee.percent("1.5", "0.5"));
        Distribution d = solo.distribute(new FoundBlock(312_500_000L, 1, "bcrt1qminer"), List.of());
        assertEquals(List.of(new Credit("bcrt1qminer", 306_250_000L)), d.credits());
        assertEquals(4_687_500L, d.poolSats());
        assertEquals(1_562_500L, d.donationSats());
        byte[] miner = p2wpkh(1);
        byte[] donation = p2wpkh(2);
        assertEquals(List.of(new TxOut(306_250_000L, miner), new TxOut(4_687_500L, POOL), new TxOut(1_562_500L, donation)),
                solo.outputs(312_500_000L, miner, POOL, Optional.of(donation)));
        // Without a donation script the donation stays with the pool.
        assertEquals(List.of(new TxOut(306_250_000L, miner), new TxOut(6_250_000L, POOL)),
                solo.outputs(312_500_000L, miner, POOL, Optional.empty()));
    }

    @Test
    void feesAreRoundedDownAndRefusedBeyondAMillionth() {
        // 999 × 1 % = 9.99 -> 9 sat.
        assertEquals(new PoolFee.Split(9, 0, 990), PoolFee.percent("1", "0").split(999));
        assertEquals(new PoolFee(12_345, 0), PoolFee.percent("1.2345", "0"));
        assertThrows(IllegalArgumentException.class, () -> PoolFee.percent("1.23456", "0"));
        assertThrows(IllegalArgumentException.class, () -> PoolFee.percent("60", "50"));
    }

    @Test
    void tidesPaysWhatFitsAndCarriesTheRestToTheNextBlock() {
        // Window 1 × difficulty 10 holds every share: a 4, b 3, c 2, d 1 of 1000 sat, no fee:
        // earned 400, 300, 200, 100. A P2WPKH output takes 8 + 1 + 22 = 31 bytes; 93 bytes leave room
        // for the pool's output and two miners: a and b are paid, c and d are carried (300 sat),
        // which the pool's output holds.
        Tides tides = new Tides(PoolFee.NONE, 1, 50, POOL, Optional.empty());
        List<WindowShare> shares = List.of(WindowShare.of("a", 4), WindowShare.of("b", 3), WindowShare.of("c", 2),
                WindowShare.of("d", 1));
        Tides.OutputScripts scripts = account -> Optional.of(p2wpkh(account.charAt(0)));
        Tides.CoinbasePlan first = tides.plan(1000, 10, "a", shares, List.of(), scripts, 93);
        assertEquals(List.of(new TxOut(400, p2wpkh('a')), new TxOut(300, p2wpkh('b')), new TxOut(300, POOL)), first.outputs());
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), first.carriedOut());
        assertEquals(93, first.outputBytes());

        // Next block, same window, carries in: owed a 400, b 300, c 400, d 200. Largest first, ties by
        // name: a and c are paid (800), b and d carried; the pool's output is 1000 - 800 = 200.
        Tides.CoinbasePlan second = tides.plan(1000, 10, "a", shares, first.carriedOut(), scripts, 93);
        assertEquals(List.of(new TxOut(400, p2wpkh('a')), new TxOut(400, p2wpkh('c')), new TxOut(200, POOL)), second.outputs());
        assertEquals(List.of(new Credit("b", 300), new Credit("d", 200)), second.carriedOut());
    }

    @Test
    void aCarryLargerThanTheCoinbaseIsPaidWhatIsLeftNotSkippedForever() {
        // b is owed 300 earned + 5,000 carried, more than a whole 1000 sat coinbase. Skipping it (it
        // does not fit the money) would pay a, c, d before it block after block while its carry only
        // grows. Largest first: b gets the whole 1000 and carries 4,300; a, c, d carry their parts.
        Tides tides = new Tides(PoolFee.NONE, 1, 50, POOL, Optional.empty());
        List<WindowShare> shares = List.of(WindowShare.of("a", 4), WindowShare.of("b", 3), WindowShare.of("c", 2),
                WindowShare.of("d", 1));
        Tides.OutputScripts scripts = account -> Optional.of(p2wpkh(account.charAt(0)));
        Tides.CoinbasePlan plan = tides.plan(1000, 10, "a", shares, List.of(new Credit("b", 5_000)), scripts, 93);
        assertEquals(List.of(new TxOut(1000, p2wpkh('b'))), plan.outputs(), "nothing left for the pool's output");
        assertEquals(List.of(new Credit("b", 1000)), plan.paid());
        assertEquals(List.of(new Credit("a", 400), new Credit("b", 4_300), new Credit("c", 200), new Credit("d", 100)),
                plan.carriedOut());
    }

    @Test
    void tidesCarriesDustAndMinersWithoutAScript() {
        // Plenty of room; d's 100 sat is under the 150 sat dust threshold and c has no script.
        Tides tides = new Tides(PoolFee.percent("1", "1"), 1, 150, POOL, Optional.of(p2wpkh(0x77)));
        List<WindowShare> shares = List.of(WindowShare.of("a", 4), WindowShare.of("b", 3), WindowShare.of("c", 2),
                WindowShare.of("d", 1));
        Tides.OutputScripts scripts = account -> account.equals("c") ? Optional.empty() : Optional.of(p2wpkh(account.charAt(0)));
        // 1000 sat: fee 10, donation 10, miners 980 split 4:3:2:1 = 392, 294, 196, 98.
        Tides.CoinbasePlan plan = tides.plan(1000, 10, "a", shares, List.of(), scripts, 700);
        assertEquals(List.of(new TxOut(392, p2wpkh('a')), new TxOut(294, p2wpkh('b')), new TxOut(304, POOL),
                new TxOut(10, p2wpkh(0x77))), plan.outputs());
        assertEquals(List.of(new Credit("c", 196), new Credit("d", 98)), plan.carriedOut());
    }

    @Test
    void aDistributionThatDoesNotSumToTheRewardCannotExist() {
        assertThrows(IllegalArgumentException.class,
                () -> Distribution.of(100, List.of(new Credit("a", 60), new Credit("b", 30)), 9, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Distribution(100, List.of(new Credit("b", 60), new Credit("a", 40)), 0, 0));
    }
}
