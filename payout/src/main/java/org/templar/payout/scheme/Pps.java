package org.templar.payout.scheme;

import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;

/**
 * Pay per share (PPS) and full pay per share (FPPS). Each share earns its expected value whether or
 * not the pool finds a block: {@code blockValue × difficulty × revenueWeight / networkDifficulty},
 * less the fee. PPS's block value is the subsidy; FPPS adds the mean fees of the pool's recent
 * blocks. The pool bears the luck, so a found block's whole reward is the pool's.
 *
 * <p>Credited per share, settled in batches ({@link #creditShares}): the batch's exact value is
 * rounded down to whole satoshis once (not each share's, which would lose up to a satoshi per
 * share), the fee is taken, and the rest is divided by the largest remainder rule. The fraction of a
 * satoshi below the batch's floor is not credited; it is expected value, not money anyone holds.
 */
public record Pps(PoolFee fee, boolean fullPay) implements PayoutScheme {
    public Pps {
        Objects.requireNonNull(fee, "fee");
    }

    @Override
    public SchemeKind kind() {
        return fullPay ? SchemeKind.FPPS : SchemeKind.PPS;
    }

    /** The shares were paid as they came: the block is the pool's. */
    @Override
    public Distribution distribute(FoundBlock block, List<WindowShare> sharesOldestFirst) {
        return Distribution.of(block.rewardSats(), List.of(), block.rewardSats(), 0);
    }

    /** The credits for a batch of shares mined while {@code rate} held. */
    public Distribution creditShares(Rate rate, List<WindowShare> shares) {
        SortedMap<String, ExactWeight> weights = ShareWindows.all(shares);
        ExactWeight total = ExactWeight.ZERO;
        for (ExactWeight w : weights.values()) {
            total = total.plus(w);
        }
        // value = (subsidy × n + Σ fees) × total / (n × networkDifficulty), with n = 1 and no fees for PPS.
        long n = fullPay ? Math.max(1, rate.feeBlocks()) : 1;
        BigInteger blocksValue = BigInteger.valueOf(rate.subsidySats()).multiply(BigInteger.valueOf(n))
                .add(BigInteger.valueOf(fullPay ? rate.feesSats() : 0));
        ExactWeight divisor = ExactWeight.of(n).times(ExactWeight.of(rate.networkDifficulty()));
        BigInteger value = ExactWeight.floorOfProduct(blocksValue, total, divisor);
        if (value.compareTo(BigInteger.valueOf(org.templar.payout.coinbase.TxOut.MAX_MONEY)) > 0) {
            // A wrong network difficulty, or shares far above it (regtest, a testnet minimum-difficulty
            // block), or a batch of absurd size gets here.
            throw new BatchTooValuable("a PPS batch worth " + value + " sat is more than all bitcoin: network difficulty "
                    + rate.networkDifficulty() + " is wrong for these shares");
        }
        long gross = value.longValueExact();
        PoolFee.Split split = fee.split(gross);
        List<Credit> credits = split.minersSats() == 0 ? List.of() : Apportion.largestRemainder(split.minersSats(), weights);
        return Distribution.of(gross, credits, split.feeSats(), split.donationSats());
    }

    /**
     * A batch of shares worth more than all bitcoin, refused: a smaller batch may still be credited
     * (see {@code BlockTracker}), a single share worth that much means the rate is wrong.
     */
    public static final class BatchTooValuable extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        BatchTooValuable(String message) {
            super(message);
        }
    }

    /**
     * What one network-difficulty's worth of shares is worth now: everything a batch's value is
     * computed from besides its shares and the fee, and what the ledger records with each batch
     * (V25) so that {@code templar payouts verify} prices it again exactly.
     *
     * @param subsidySats the block subsidy at the current height
     * @param networkDifficulty the current network difficulty
     * @param feeBlocks FPPS: how many of the pool's recent blocks the fee estimate averages over; 0
     *     means no fee component (PPS ignores it)
     * @param feesSats FPPS: the sum of those blocks' fees (coinbase value minus subsidy); the mean is
     *     {@code feesSats / feeBlocks}, applied exactly (never rounded on its own)
     */
    public record Rate(long subsidySats, double networkDifficulty, int feeBlocks, long feesSats) {
        public Rate {
            if (subsidySats < 0) {
                throw new IllegalArgumentException("subsidy must not be negative: " + subsidySats);
            }
            if (!(networkDifficulty > 0) || Double.isInfinite(networkDifficulty)) {
                throw new IllegalArgumentException("network difficulty must be positive and finite: " + networkDifficulty);
            }
            if (feeBlocks < 0 || feesSats < 0 || (feeBlocks == 0 && feesSats != 0)) {
                throw new IllegalArgumentException("block fees must not be negative and need blocks: " + feesSats
                        + " sat over " + feeBlocks + " blocks");
            }
        }

        /** From the fees of the pool's recent blocks, one by one (FPPS), or none. */
        public Rate(long subsidySats, double networkDifficulty, List<Long> recentBlockFees) {
            this(subsidySats, networkDifficulty, recentBlockFees.size(), sum(recentBlockFees));
        }

        private static long sum(List<Long> fees) {
            long sum = 0;
            for (long f : fees) {
                if (f < 0) {
                    throw new IllegalArgumentException("block fees must not be negative: " + f);
                }
                sum = Math.addExact(sum, f);
            }
            return sum;
        }
    }
}
