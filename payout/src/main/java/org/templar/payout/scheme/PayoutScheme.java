package org.templar.payout.scheme;

import java.util.List;

/**
 * How a found block's reward becomes the miners' money.
 *
 * <p>Every implementation returns a {@link Distribution}, whose parts sum to the reward by
 * construction; the pool fee is taken first ({@link PoolFee#split}), and the miners' part is divided
 * by exact weights ({@link ShareWindows}) with the largest remainder rule ({@link Apportion}).
 * Schemes are immutable and hold no state between calls: the ledger keeps balances and carries, so
 * a distribution is a pure function of its inputs and can be recomputed by anyone holding them.
 */
public interface PayoutScheme {
    /** Which scheme this is, as the configuration and the ledger name it. */
    SchemeKind kind();

    /**
     * The credits for a found block.
     *
     * @param sharesOldestFirst the shares the scheme may count, in ledger order, ending with the
     *     block's own share: at least the last window for PPLNS and TIDES, the round for PROP;
     *     SOLO and PPS/FPPS do not look at them
     */
    Distribution distribute(FoundBlock block, List<WindowShare> sharesOldestFirst);

    /** The schemes, by their configuration names. */
    enum SchemeKind {
        SOLO(true),
        PPLNS(false),
        PROP(false),
        PPS(false),
        FPPS(false),
        TIDES(true);

        private final boolean paysInCoinbase;

        SchemeKind(boolean paysInCoinbase) {
            this.paysInCoinbase = paysInCoinbase;
        }

        /**
         * Whether the block's own coinbase pays the miners (no balances held by the pool), as
         * opposed to custodial schemes whose credits become balances paid in batches.
         */
        public boolean paysInCoinbase() {
            return paysInCoinbase;
        }

        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static SchemeKind fromConfig(String name) {
            for (SchemeKind k : values()) {
                if (k.configName().equals(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown payout scheme '" + name + "': expected one of solo, pplns, prop, pps, fpps, tides");
        }
    }
}
