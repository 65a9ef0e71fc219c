package org.templar.payout.scheme;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.templar.payout.coinbase.PayoutPlan;
import org.templar.payout.coinbase.TxOut;

/**
 * A TIDES-style, non-custodial scheme: the coinbase of every job pays the miners of the current
 * window directly, so a found block pays them without the pool ever holding their money.
 *
 * <p>The window is the newest shares worth {@code windowFactor ×} the network difficulty (OCEAN's
 * TIDES uses 8), divided as in PPLNS. A coinbase cannot hold an output for everyone: miner firmware
 * refuses coinbases over {@code pool.max_coinbase_size} bytes, and tiny outputs are dust nobody can
 * spend. So what a miner is owed (its part of this block plus what was carried for it before) is
 * paid in an output only if it reaches the dust threshold, the miner has an output script, and the
 * output still fits; everything else is carried: it goes into the pool's own output and the ledger
 * owes it to the miner in a later block. A miner owed more than the coinbase has left is paid what is
 * left and carries the rest. Nothing is lost, and the plan never exceeds the cap.
 *
 * <p>Order, which decides who gets an output when not all fit: largest amount owed first, then
 * account name ascending. The coinbase lists the paid miners in that order, then the pool's output
 * (fee and carried amounts), then the donation.
 *
 * @param poolScript where the fee and carried amounts go
 * @param donationScript the donation output; without one, the donation stays with the pool
 */
public record Tides(PoolFee fee, double windowFactor, long dustSats, byte[] poolScript, Optional<byte[]> donationScript)
        implements PayoutScheme {
    public Tides {
        Objects.requireNonNull(fee, "fee");
        Objects.requireNonNull(donationScript, "donationScript");
        if (!(windowFactor > 0) || Double.isInfinite(windowFactor)) {
            throw new IllegalArgumentException("TIDES window factor must be positive and finite: " + windowFactor);
        }
        if (dustSats < 0) {
            throw new IllegalArgumentException("dust threshold must not be negative: " + dustSats);
        }
        poolScript = poolScript.clone();
        donationScript = donationScript.map(byte[]::clone);
    }

    @Override
    public byte[] poolScript() {
        return poolScript.clone();
    }

    @Override
    public SchemeKind kind() {
        return SchemeKind.TIDES;
    }

    /**
     * What the window earned from a block, before carries: the credits the ledger records for it.
     * The donation counts as the pool's when there is no donation script, as in {@link #plan}.
     */
    @Override
    public Distribution distribute(FoundBlock block, List<WindowShare> sharesOldestFirst) {
        return earned(block, window(block.networkDifficulty(), sharesOldestFirst));
    }

    /**
     * The same from the window's weights, already cut to {@link #windowLength} of the block's network
     * difficulty (the ledger sums them in SQL: {@code PayoutLedger#windowWeightsUpToShare}).
     */
    public Distribution distribute(FoundBlock block, WindowWeights window) {
        return earned(block, window.byAccount());
    }

    private Distribution earned(FoundBlock block, SortedMap<String, ExactWeight> window) {
        Distribution d = Schemes.divide(block, fee, window);
        return donationScript.isPresent() ? d
                : new Distribution(d.rewardSats(), d.credits(), d.poolSats() + d.donationSats(), 0);
    }

    SortedMap<String, ExactWeight> window(double networkDifficulty, List<WindowShare> sharesOldestFirst) {
        return ShareWindows.lastN(sharesOldestFirst, windowLength(networkDifficulty));
    }

    /** The window length, in difficulty, for a network difficulty. */
    public ExactWeight windowLength(double networkDifficulty) {
        return ExactWeight.of(windowFactor).times(ExactWeight.of(networkDifficulty));
    }

    // Scripts are arrays: compared by content, so a reloaded configuration with the same scheme is equal.
    @Override
    public boolean equals(Object o) {
        return o instanceof Tides t && t.fee.equals(fee) && Double.compare(t.windowFactor, windowFactor) == 0
                && t.dustSats == dustSats && java.util.Arrays.equals(t.poolScript, poolScript)
                && t.donationScript.isPresent() == donationScript.isPresent()
                && (donationScript.isEmpty() || java.util.Arrays.equals(t.donationScript.get(), donationScript.get()));
    }

    @Override
    public int hashCode() {
        return Objects.hash(fee, windowFactor, dustSats, java.util.Arrays.hashCode(poolScript));
    }

    @Override
    public String toString() {
        return "Tides[fee=" + fee + ", windowFactor=" + windowFactor + ", dustSats=" + dustSats + ", poolScript="
                + org.templar.share.Hex.encode(poolScript) + ", donationScript="
                + donationScript.map(org.templar.share.Hex::encode).orElse("none") + "]";
    }

    /** Where an account's coinbase output pays; empty when it has none (the amount is carried). */
    @FunctionalInterface
    public interface OutputScripts {
        Optional<byte[]> scriptFor(String account);
    }

    /**
     * The coinbase outputs of the next job.
     *
     * @param coinbaseValue what the coinbase may claim (subsidy plus the template's fees)
     * @param finderAccount credited when no share in the window carries weight (see {@link Prop})
     * @param carriedIn what earlier blocks carried for each account, from the ledger
     * @param outputBytes bytes the coinbase has for payout outputs: {@code pool.max_coinbase_size}
     *     less everything else in the coinbase (the witness commitment output included)
     */
    public CoinbasePlan plan(long coinbaseValue, double networkDifficulty, String finderAccount,
            List<WindowShare> sharesOldestFirst, List<Credit> carriedIn, OutputScripts scripts, int outputBytes) {
        return plan(coinbaseValue, distribute(new FoundBlock(coinbaseValue, networkDifficulty, finderAccount), sharesOldestFirst),
                carriedIn, scripts, outputBytes);
    }

    /**
     * The same plan from the window's weights, already cut to {@link #windowLength} of
     * {@code networkDifficulty} (the ledger sums them in SQL: {@code PayoutLedger#windowWeightsUpToShare}).
     */
    public CoinbasePlan plan(long coinbaseValue, double networkDifficulty, String finderAccount, WindowWeights window,
            List<Credit> carriedIn, OutputScripts scripts, int outputBytes) {
        return plan(coinbaseValue, distribute(new FoundBlock(coinbaseValue, networkDifficulty, finderAccount), window),
                carriedIn, scripts, outputBytes);
    }

    private CoinbasePlan plan(long coinbaseValue, Distribution earned, List<Credit> carriedIn, OutputScripts scripts,
            int outputBytes) {
        SortedMap<String, Long> owed = new TreeMap<>();
        for (Credit c : earned.credits()) {
            owed.merge(c.account(), c.sats(), Math::addExact);
        }
        long carriedTotal = 0;
        for (Credit c : carriedIn) {
            owed.merge(c.account(), c.sats(), Math::addExact);
            carriedTotal = Math.addExact(carriedTotal, c.sats());
        }
        List<Map.Entry<String, Long>> order = new ArrayList<>(owed.entrySet());
        order.sort(Comparator.comparing((Map.Entry<String, Long> e) -> e.getValue()).reversed()
                .thenComparing(Map.Entry::getKey));

        long donation = earned.donationSats();
        // The pool's output is always reserved room: it is where carried money goes.
        int room = outputBytes - TxOut.serializedSize(poolScript.length)
                - (donation > 0 ? TxOut.serializedSize(donationScript.get().length) : 0);
        if (room < 0) {
            throw new IllegalArgumentException("no room for even the pool's output: " + outputBytes + " bytes");
        }
        // Miners can be paid at most what this coinbase holds beyond the donation.
        long money = coinbaseValue - donation;
        List<TxOut> outputs = new ArrayList<>();
        List<Credit> paid = new ArrayList<>();
        List<Credit> carriedOut = new ArrayList<>();
        for (Map.Entry<String, Long> e : order) {
            long owedSats = e.getValue();
            // More owed than this coinbase has left (carries can add up to more than one block's
            // value): pay what is left and carry the rest. Skipping such a miner instead would carry
            // it forever, since its amount only grows while the others keep being paid first.
            long amount = Math.min(owedSats, money);
            Optional<byte[]> script = amount >= dustSats && amount > 0 ? scripts.scriptFor(e.getKey()) : Optional.empty();
            if (script.isPresent() && TxOut.serializedSize(script.get().length) <= room) {
                TxOut out = new TxOut(amount, script.get());
                outputs.add(out);
                paid.add(new Credit(e.getKey(), amount));
                room -= out.serializedSize();
                money -= amount;
                amount = owedSats - amount;
            } else {
                amount = owedSats;
            }
            if (amount > 0) {
                carriedOut.add(new Credit(e.getKey(), amount));
            }
        }
        long poolSats = money;
        if (poolSats > 0) {
            outputs.add(new TxOut(poolSats, poolScript));
        }
        if (donation > 0) {
            outputs.add(new TxOut(donation, donationScript.get()));
        }
        carriedOut.sort(Comparator.comparing(Credit::account));
        return new CoinbasePlan(coinbaseValue, outputs, earned, carriedTotal, paid, carriedOut, poolSats);
    }

    /**
     * A coinbase plan as the payout of a template's jobs: every job of the template pays it, whoever
     * mines it. It keeps what the plan was computed from, so the ledger can record it with the block
     * and anyone can compute the plan again from the same shares.
     *
     * @param windowLastShareId the ledger id of the newest share the window counted (0: none)
     * @param networkDifficulty the template's network difficulty, which sized the window
     * @param carriedIn what earlier blocks had carried for each account, as {@link #plan} was given it
     * @param minerDeclared the plan of a miner-declared job (extension 0x0003): it divides the payout
     *     value the miner asked for, and the rest of that coinbase pays the miner's own outputs
     */
    public record JobPayout(CoinbasePlan plan, long windowLastShareId, double networkDifficulty, List<Credit> carriedIn,
            boolean minerDeclared) implements PayoutPlan {
        public JobPayout {
            Objects.requireNonNull(plan, "plan");
            carriedIn = List.copyOf(carriedIn);
        }

        /** The plan of the pool's own template. */
        public JobPayout(CoinbasePlan plan, long windowLastShareId, double networkDifficulty, List<Credit> carriedIn) {
            this(plan, windowLastShareId, networkDifficulty, carriedIn, false);
        }

        @Override
        public List<TxOut> outputs(long coinbaseValue) {
            if (coinbaseValue != plan.coinbaseValue()) {
                throw new IllegalArgumentException("this TIDES plan divides " + plan.coinbaseValue() + " sat, not " + coinbaseValue);
            }
            return plan.outputs();
        }

        @Override
        public String describe() {
            return (minerDeclared ? "declared job, tides:" : "tides:") + plan.paid().size() + " miners";
        }
    }

    /**
     * One coinbase's payouts and the bookkeeping behind them.
     *
     * @param earned what the window earned from this coinbase (credits before carries)
     * @param carriedInSats the total carried into this plan from earlier blocks
     * @param paid the outputs paid to miners, in coinbase order
     * @param carriedOut what is still owed after this block, per account (sorted by account)
     * @param poolSats the pool's output: its fee, the carried amounts, less carries paid out now
     */
    public record CoinbasePlan(long coinbaseValue, List<TxOut> outputs, Distribution earned, long carriedInSats,
            List<Credit> paid, List<Credit> carriedOut, long poolSats) {
        public CoinbasePlan {
            outputs = List.copyOf(outputs);
            paid = List.copyOf(paid);
            carriedOut = List.copyOf(carriedOut);
            long outs = 0;
            for (TxOut o : outputs) {
                outs = Math.addExact(outs, o.valueSats());
            }
            if (outs != coinbaseValue) {
                throw new IllegalArgumentException("outputs sum to " + outs + " sat, not the coinbase value " + coinbaseValue);
            }
            long owedBefore = Math.addExact(earned.creditedSats(), carriedInSats);
            if (sum(paid) + sum(carriedOut) != owedBefore) {
                throw new IllegalArgumentException("paid + carried != earned + carried in");
            }
        }

        /** Bytes the outputs take in the coinbase. */
        public int outputBytes() {
            int n = 0;
            for (TxOut o : outputs) {
                n += o.serializedSize();
            }
            return n;
        }

        static long sum(List<Credit> credits) {
            long s = 0;
            for (Credit c : credits) {
                s = Math.addExact(s, c.sats());
            }
            return s;
        }
    }
}
