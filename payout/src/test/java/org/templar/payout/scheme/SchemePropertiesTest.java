package org.templar.payout.scheme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.payout.coinbase.TxOut;

/**
 * Properties over seeded random share sets and rewards: no scheme creates or loses a satoshi, each
 * credit is within one satoshi of the exact proportional amount (checked with an independent
 * BigDecimal computation), and TIDES plans never exceed their byte budget and carry everything they
 * do not pay. A failure prints its seed and iteration, so it can be replayed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SchemePropertiesTest {
    private static final long SEED = 0x7e3a_1d5c_2024_10L;
    private static final int ITERATIONS = 1500;

    private final Random random = new Random(SEED);

    private double difficulty() {
        switch (random.nextInt(4)) {
            case 0: return 0.0001 + random.nextDouble() * 0.01; // regtest CPU shares
            case 1: return 1 + random.nextInt(1 << 16);        // whole difficulties
            case 2: return Math.scalb(1 + random.nextDouble(), random.nextInt(60) - 20); // any magnitude
            default: return random.nextDouble() * 1e6 + Double.MIN_NORMAL;
        }
    }

    private double revenueWeight() {
        int pick = random.nextInt(5);
        return pick < 3 ? 1.0 : pick == 3 ? 0.0 : random.nextDouble();
    }

    private List<WindowShare> shares() {
        int accounts = 1 + random.nextInt(20);
        int n = random.nextInt(200);
        List<WindowShare> shares = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String account = "acct" + random.nextInt(accounts);
            shares.add(new WindowShare(account, account + ".rig" + random.nextInt(3), difficulty(), revenueWeight()));
        }
        return shares;
    }

    private long reward() {
        switch (random.nextInt(3)) {
            case 0: return random.nextInt(1000);
            case 1: return 312_500_000L + random.nextInt(100_000_000);
            default: return (long) (random.nextDouble() * TxOut.MAX_MONEY);
        }
    }

    private PoolFee fee() {
        long fee = random.nextInt(3) == 0 ? 0 : random.nextInt(50_000);
        long donation = random.nextInt(3) == 0 ? random.nextInt(20_000) : 0;
        return new PoolFee(fee, donation);
    }

    private String where(int iteration) {
        return "seed " + SEED + " iteration " + iteration;
    }

    @Test
    void noSchemeCreatesOrLosesASatoshi() {
        for (int i = 0; i < ITERATIONS; i++) {
            List<WindowShare> shares = shares();
            long reward = reward();
            PoolFee fee = fee();
            double networkDifficulty = difficulty() * (1 + random.nextInt(50));
            FoundBlock block = new FoundBlock(reward, networkDifficulty, "finder");
            List<PayoutScheme> schemes = List.of(new Solo(fee), new Prop(fee),
                    new Pplns(fee, 0.5 + random.nextInt(8)), new Pps(fee, random.nextBoolean()),
                    new Tides(fee, 1 + random.nextInt(8), random.nextInt(1000), SchemeExamplesTest.p2wpkh(9), Optional.empty()));
            for (PayoutScheme scheme : schemes) {
                Distribution d = scheme.distribute(block, shares);
                assertEquals(reward, d.creditedSats() + d.poolSats() + d.donationSats(), scheme.kind() + " " + where(i));
                PoolFee.Split split = fee.split(reward);
                long poolPart = scheme instanceof Pps ? reward // PPS paid the shares already
                        : scheme instanceof Tides ? split.feeSats() + split.donationSats() // no donation script
                        : split.feeSats();
                assertEquals(poolPart, d.poolSats(), "pool's part: " + scheme.kind() + " " + where(i));
                for (Credit c : d.credits()) {
                    assertTrue(c.sats() > 0, scheme.kind() + " " + where(i));
                }
            }
        }
    }

    @Test
    void proportionalCreditsAreWithinOneSatoshiOfTheExactShare() {
        for (int i = 0; i < ITERATIONS; i++) {
            List<WindowShare> shares = shares();
            long reward = reward();
            PoolFee fee = fee();
            Distribution d = new Prop(fee).distribute(new FoundBlock(reward, 1, "finder"), shares);
            // Independent exact arithmetic: BigDecimal(double) is the double's exact value.
            Map<String, BigDecimal> weights = new HashMap<>();
            BigDecimal total = BigDecimal.ZERO;
            for (WindowShare s : shares) {
                BigDecimal w = new BigDecimal(s.difficulty()).multiply(new BigDecimal(s.revenueWeight()));
                weights.merge(s.account(), w, BigDecimal::add);
                total = total.add(w);
            }
            long miners = fee.split(reward).minersSats();
            if (total.signum() == 0) {
                assertEquals(miners, d.creditOf("finder"), where(i));
                continue;
            }
            for (Map.Entry<String, BigDecimal> e : weights.entrySet()) {
                // |credit × total − miners × weight| < total  ⇔  |credit − exact share| < 1 sat
                BigDecimal gap = BigDecimal.valueOf(d.creditOf(e.getKey())).multiply(total)
                        .subtract(BigDecimal.valueOf(miners).multiply(e.getValue())).abs();
                assertTrue(gap.compareTo(total) < 0, e.getKey() + " off by a satoshi or more: " + where(i));
            }
        }
    }

    @Test
    void ppsBatchesCreditTheFlooredExactValue() {
        for (int i = 0; i < ITERATIONS; i++) {
            List<WindowShare> shares = shares();
            PoolFee fee = fee();
            // A batch worth between a hundredth of a block and two blocks, as batches are.
            double sumDifficulty = shares.stream().mapToDouble(WindowShare::difficulty).sum();
            double networkDifficulty = Math.max(1, sumDifficulty * (0.5 + random.nextDouble() * 100));
            List<Long> fees = new ArrayList<>();
            for (int k = random.nextInt(5); k > 0; k--) {
                fees.add((long) random.nextInt(200_000_000));
            }
            long subsidy = 5_000_000_000L >> random.nextInt(10);
            Pps.Rate rate = new Pps.Rate(subsidy, networkDifficulty, fees);
            boolean full = random.nextBoolean();
            Distribution d = new Pps(fee, full).creditShares(rate, shares);
            // Independently: value = (subsidy + mean fee) × Σ weight / networkDifficulty, floored.
            BigDecimal sumWeights = BigDecimal.ZERO;
            for (WindowShare s : shares) {
                sumWeights = sumWeights.add(new BigDecimal(s.difficulty()).multiply(new BigDecimal(s.revenueWeight())));
            }
            BigDecimal perBlock = new BigDecimal(subsidy);
            if (full && !fees.isEmpty()) {
                long sumFees = fees.stream().mapToLong(Long::longValue).sum();
                perBlock = perBlock.add(new BigDecimal(sumFees).divide(new BigDecimal(fees.size()), 40, java.math.RoundingMode.FLOOR));
            }
            BigInteger expected = perBlock.multiply(sumWeights).divide(new BigDecimal(networkDifficulty), 40, java.math.RoundingMode.FLOOR)
                    .toBigInteger();
            // The mean fee is rounded at 40 decimals here, so allow the floor to land one lower.
            long gross = d.rewardSats();
            assertTrue(gross == expected.longValueExact() || gross == expected.longValueExact() + 1,
                    "gross " + gross + " vs " + expected + " " + where(i));
            assertEquals(gross, d.creditedSats() + d.poolSats() + d.donationSats(), where(i));
        }
    }

    @Test
    void tidesPlansStayUnderTheCapAndCarryEverythingTheyDoNotPay() {
        for (int i = 0; i < ITERATIONS / 3; i++) {
            PoolFee fee = fee();
            byte[] pool = SchemeExamplesTest.p2wpkh(9);
            Optional<byte[]> donation = fee.donationPpm() > 0 && random.nextBoolean() ? Optional.of(new byte[34]) : Optional.empty();
            long dust = random.nextInt(3) == 0 ? 0 : random.nextInt(100_000);
            Tides tides = new Tides(fee, 1 + random.nextInt(8), dust, pool, donation);
            Map<String, byte[]> scripts = new HashMap<>();
            int[] lengths = {22, 23, 25, 34};
            Tides.OutputScripts resolver = account -> random.nextInt(10) == 0 && !scripts.containsKey(account)
                    ? Optional.empty()
                    : Optional.of(scripts.computeIfAbsent(account, a -> new byte[lengths[Math.floorMod(a.hashCode(), 4)]]));
            // Several blocks in a row: what was carried out of one plan is carried into the next.
            List<Credit> carried = List.of();
            Map<String, Long> earnedTotal = new TreeMap<>();
            Map<String, Long> paidTotal = new TreeMap<>();
            for (int block = 0; block < 6; block++) {
                List<WindowShare> shares = shares();
                long value = reward();
                int budget = 43 + 34 + random.nextInt(600);
                Tides.CoinbasePlan plan = tides.plan(value, Math.max(0.001, difficulty()), "finder", shares, carried, resolver, budget);
                String at = where(i) + " block " + block;
                assertTrue(plan.outputBytes() <= budget, "outputs " + plan.outputBytes() + " > " + budget + " " + at);
                assertEquals(value, plan.outputs().stream().mapToLong(TxOut::valueSats).sum(), at);
                for (Credit c : plan.paid()) {
                    assertTrue(c.sats() >= dust, "dust output " + c + " " + at);
                    paidTotal.merge(c.account(), c.sats(), Long::sum);
                }
                for (Credit c : plan.earned().credits()) {
                    earnedTotal.merge(c.account(), c.sats(), Long::sum);
                }
                carried = plan.carriedOut();
            }
            // Per account, over the whole run: earned = paid + still carried.
            Map<String, Long> accounted = new TreeMap<>(paidTotal);
            for (Credit c : carried) {
                accounted.merge(c.account(), c.sats(), Long::sum);
            }
            assertEquals(earnedTotal, accounted, where(i));
        }
    }

    @Test
    void exactWeightsAgreeWithBigDecimalWhateverTheOrder() {
        for (int i = 0; i < ITERATIONS / 5; i++) {
            List<WindowShare> shares = shares();
            ExactWeight forward = ExactWeight.ZERO;
            ExactWeight backward = ExactWeight.ZERO;
            BigDecimal exact = BigDecimal.ZERO;
            for (int k = 0; k < shares.size(); k++) {
                forward = forward.plus(shares.get(k).weight());
                backward = backward.plus(shares.get(shares.size() - 1 - k).weight());
                exact = exact.add(new BigDecimal(shares.get(k).difficulty()).multiply(new BigDecimal(shares.get(k).revenueWeight())));
            }
            assertEquals(forward, backward, where(i));
            assertEquals(0, toBigDecimal(forward).compareTo(exact), where(i));
        }
    }

    private static BigDecimal toBigDecimal(ExactWeight w) {
        if (w.isZero()) {
            return BigDecimal.ZERO;
        }
        int e = w.exponent();
        BigDecimal m = new BigDecimal(w.aligned(e));
        return e >= 0 ? m.multiply(new BigDecimal(BigInteger.TWO.pow(e))) : m.divide(new BigDecimal(BigInteger.TWO.pow(-e)));
    }
}
