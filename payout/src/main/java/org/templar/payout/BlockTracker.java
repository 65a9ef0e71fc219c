package org.templar.payout;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.payout.scheme.Distribution;
import org.templar.payout.scheme.FoundBlock;
import org.templar.payout.scheme.PayoutScheme;
import org.templar.payout.scheme.PayoutScheme.SchemeKind;
import org.templar.payout.scheme.Pplns;
import org.templar.payout.scheme.Pps;
import org.templar.payout.scheme.Prop;

/**
 * Follows the pool's blocks on the node until the chain has decided them, so that balances (and
 * TIDES carries) hold exactly the blocks of the node's best chain: credits a block when it first
 * shows up in the best chain, matures it at 100 confirmations, takes its credits back as soon as it
 * leaves the best chain (ACCEPTED becomes STALE) and applies them again if it comes back, and
 * orphans it once the chain is {@code orphanDepth} blocks past its height without it. An orphaned
 * block is still asked about until the chain is 100 blocks past it: a reorganisation that brings it
 * back makes it ACCEPTED, credited again.
 *
 * <p>Mature blocks are followed too, up to {@link #DEEP_FOLLOW_DEPTH} below the tip, with the blocks
 * orphaned after they matured, but not at every poll (see {@link #DEEP_CHECK_POLLS}): only a
 * reorganisation deeper than coinbase maturity moves them. One that leaves the best chain goes the
 * way of any other block (STALE, then ORPHANED with its credits taken back: custodial balances may
 * be left in debt, TIDES payments are owed again as carries; see {@link PayoutLedger#orphan}), and
 * one that comes back is applied again, once.
 *
 * <p>Every step goes through {@link PayoutLedger}, whose steps are idempotent, so {@link #poll()}
 * can run on a timer, after a restart, or on another pool instance, and a crash between two steps
 * only means the next poll does the rest. Blocks leave the chain highest first, then join it lowest
 * first (see {@link PayoutLedger#leaveChain}, {@link PayoutLedger#orphan} and {@link PayoutLedger#confirm}).
 *
 * <p>PPS and FPPS credit shares, not blocks: each poll credits the shares recorded since the last
 * batch at the current network difficulty and subsidy (FPPS adds the mean fee of the pool's last
 * 144 blocks); a found block is then the pool's.
 *
 * <p>TIDES blocks are recorded HELD when found, with the plan their coinbase was built from (that
 * plan cannot be recomputed later: the carries have moved on); this tracker applies, reverses and
 * applies again that settlement along the best chain like any other, and gives up one that every
 * node refused once the chain is {@code orphanDepth} past it.
 */
public final class BlockTracker {
    private static final Logger log = LoggerFactory.getLogger(BlockTracker.class);

    /** What the tracker asks the node; an adapter over Core's {@code getblockheader} and {@code getblockcount}. */
    public interface ChainView {
        /**
         * The node's header of the block, empty if the node does not know it.
         *
         * @return confirmations as Core reports them: >= 1 in the best chain, -1 on a side branch
         */
        Optional<Header> header(String blockHash);

        /** Height of the node's best chain. */
        long tipHeight();

        /** The network difficulty of the next block (PPS/FPPS price shares with it). */
        double networkDifficulty();

        /** The block subsidy at {@code height} on the node's network (halvings differ on regtest). */
        long subsidy(long height);

        record Header(long confirmations, double difficulty) {}

        /**
         * A chain at height 0 that knows none of the pool's blocks, at a fixed difficulty and subsidy:
         * for a ledger followed without a node (benches, tests of what does not depend on the chain).
         */
        static ChainView withoutBlocks(double networkDifficulty, long subsidy) {
            return new ChainView() {
                @Override
                public Optional<Header> header(String blockHash) {
                    return Optional.empty();
                }

                @Override
                public long tipHeight() {
                    return 0;
                }

                @Override
                public double networkDifficulty() {
                    return networkDifficulty;
                }

                @Override
                public long subsidy(long height) {
                    return subsidy;
                }
            };
        }
    }

    /**
     * What one poll did, for logs and tests; {@code sharesCredited} counts PPS/FPPS shares,
     * {@code reversed} the blocks that left the best chain and had their credits taken back.
     */
    public record Report(int credited, int confirmed, int orphaned, long sharesCredited, int reversed) {
        public Report(int credited, int confirmed, int orphaned, long sharesCredited) {
            this(credited, confirmed, orphaned, sharesCredited, 0);
        }
    }

    /** PPS/FPPS batches: how many shares at most, how many recent blocks FPPS averages fees over. */
    static final int SHARES_PER_BATCH = 100_000;
    static final int FPPS_FEE_BLOCKS = 144;
    /** Shares younger than this are left for the next poll (see {@link PayoutLedger#creditShares}). */
    static final java.time.Duration SHARE_SETTLE_TIME = java.time.Duration.ofSeconds(30);
    /**
     * How far below the tip mature blocks are still asked about: one difficulty period, two weeks on
     * mainnet. Mainnet has never reorganised more than a few blocks since 2013; past this depth the
     * ledger takes its history as final rather than ask about every block the pool ever found.
     */
    static final long DEEP_FOLLOW_DEPTH = 2016;
    /**
     * Mature blocks are asked about at the first poll (so a restart catches what happened while the
     * pool was down), then only when the tip height has moved since their last check and at least this
     * many polls later. A busy pool has hundreds of mature blocks in {@link #DEEP_FOLLOW_DEPTH}: one
     * getblockheader each at every poll would multiply the tracker's load on the node for an event
     * that practically never happens; this way it costs about one round per new block on mainnet
     * (a block every ten minutes, a poll every few seconds) and is bounded on a fast regtest chain.
     * A deep reorganisation is noticed some polls later, long before anything built on it matures.
     */
    static final int DEEP_CHECK_POLLS = 10;

    private final PayoutLedger payouts;
    private final ChainView chain;
    private final PayoutScheme scheme;
    private final int orphanDepth;
    private final java.util.function.Consumer<BlockRecord> settled;
    /** Polls since the mature blocks were last asked about, and the tip then (none yet: the first poll asks). */
    private int pollsSinceDeepCheck = DEEP_CHECK_POLLS;
    private long deepCheckedAtTip = Long.MIN_VALUE;

    /**
     * @param orphanDepth how far the chain must have moved past a block that is not in it before the
     *     block is given up: a stale block's branch can still win until then
     */
    public BlockTracker(PayoutLedger payouts, ChainView chain, PayoutScheme scheme, int orphanDepth) {
        this(payouts, chain, scheme, orphanDepth, b -> {});
    }

    /**
     * @param settled told once of each block this tracker moves to MATURE or ORPHANED, with the
     *     block as the ledger now records it (the webhook's block matured / orphaned); called on the
     *     polling thread after the ledger step, so a failing listener is logged and changes nothing
     */
    public BlockTracker(PayoutLedger payouts, ChainView chain, PayoutScheme scheme, int orphanDepth,
            java.util.function.Consumer<BlockRecord> settled) {
        this.settled = Objects.requireNonNull(settled, "settled");
        this.payouts = Objects.requireNonNull(payouts, "payouts");
        this.chain = Objects.requireNonNull(chain, "chain");
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        if (orphanDepth < 1) {
            throw new IllegalArgumentException("orphan depth must be at least 1: " + orphanDepth);
        }
        this.orphanDepth = orphanDepth;
    }

    public Report poll() {
        long tip = chain.tipHeight();
        Map<BlockRecord, ChainView.Header> onChain = new LinkedHashMap<>();
        List<BlockRecord> offChain = new ArrayList<>();
        Set<String> known = new HashSet<>();
        for (BlockRecord block : blocksToAsk(tip)) {
            Optional<ChainView.Header> header = chain.header(block.hash());
            header.ifPresent(h -> known.add(block.hash()));
            if (header.isPresent() && header.get().confirmations() >= 1) {
                if (block.status() != BlockStatus.MATURE) {
                    onChain.put(block, header.get()); // a mature block still on the chain: nothing to do
                }
            } else {
                offChain.add(block);
            }
        }
        // Off the chain first, highest first, then onto it lowest first: the order in which the node
        // itself disconnects and connects blocks in a reorganisation, so every TIDES settlement is
        // applied on the carries its plan started from, and none is counted twice on the way.
        int orphaned = 0;
        int reversed = 0;
        for (int i = offChain.size() - 1; i >= 0; i--) {
            BlockRecord block = offChain.get(i);
            if (block.status() == BlockStatus.ORPHANED) {
                continue; // already given up; followed only in case a reorganisation brings it back
            }
            try {
                Optional<BlockSettlement> settlement = payouts.settlement(block.hash());
                boolean applied = settlement.filter(s -> s.state().applied()).isPresent();
                if (tip >= block.height() + orphanDepth && (known.contains(block.hash()) || block.status() != BlockStatus.REJECTED
                        || settlement.filter(s -> s.state() != BlockSettlement.State.REVERSED).isPresent())) {
                    // A REJECTED block the node does not even know was never in any chain: nothing to
                    // orphan, unless it is a TIDES block, recorded at its solve: its settlement is given up.
                    payouts.orphan(block.hash(), "not in the best chain " + (tip - block.height()) + " blocks later"
                            + (block.status() == BlockStatus.MATURE ? ", after it had matured" : ""));
                    orphaned++;
                    tell(block.hash(), BlockStatus.ORPHANED);
                    if (block.status() == BlockStatus.MATURE) {
                        log.error("MATURE block {} at height {} orphaned by a reorganisation deeper than coinbase"
                                + " maturity; its credits are reversed (custodial: taken from available balances, which"
                                + " may now be debts; in-coinbase: its payments are owed again as carries)",
                                block.hash(), block.height());
                    } else {
                        log.warn("block {} at height {} orphaned; its credits are reversed", block.hash(), block.height());
                    }
                } else if (applied) {
                    payouts.leaveChain(block.hash(), "left the best chain at height " + tip);
                    reversed++;
                    log.warn("block {} at height {} left the best chain; its credits are reversed until it comes back",
                            block.hash(), block.height());
                }
            } catch (IllegalStateException e) {
                log.error("block {} at height {} needs the operator: {}", block.hash(), block.height(), e.getMessage());
            }
        }
        int credited = 0;
        int confirmed = 0;
        for (Map.Entry<BlockRecord, ChainView.Header> entry : onChain.entrySet()) {
            BlockRecord block = entry.getKey();
            ChainView.Header header = entry.getValue();
            try {
                if (scheme.kind() != SchemeKind.TIDES && payouts.settlement(block.hash()).isEmpty()) {
                    if (block.status() == BlockStatus.ORPHANED || block.status() == BlockStatus.REJECTED) {
                        payouts.confirm(block.hash(), header.confirmations()); // the chain took it: ACCEPTED, then credited
                    }
                    payouts.credit(block.hash(), scheme.kind(), distribute(block, header.difficulty()));
                    credited++;
                }
                payouts.confirm(block.hash(), header.confirmations());
                confirmed++;
                if (block.status() != BlockStatus.MATURE && header.confirmations() >= PayoutLedger.MATURITY_CONFIRMATIONS) {
                    tell(block.hash(), BlockStatus.MATURE);
                }
            } catch (IllegalStateException e) {
                // The ledger refused a move (e.g. settled differently before): one block needing the
                // operator must not stop every other block from being followed.
                log.error("block {} at height {} needs the operator: {}", block.hash(), block.height(), e.getMessage());
            }
        }
        long sharesCredited = scheme instanceof Pps pps ? creditShares(pps, tip) : 0;
        return new Report(credited, confirmed, orphaned, sharesCredited, reversed);
    }

    /**
     * What this poll asks the node about, lowest first: the blocks to follow, and now and then (see
     * {@link #DEEP_CHECK_POLLS}) the mature ones and those orphaned after maturing.
     */
    private List<BlockRecord> blocksToAsk(long tip) {
        List<BlockRecord> blocks = payouts.blocksToFollow(tip - PayoutLedger.MATURITY_CONFIRMATIONS);
        pollsSinceDeepCheck++;
        if (tip == deepCheckedAtTip || pollsSinceDeepCheck < DEEP_CHECK_POLLS) {
            return blocks;
        }
        Set<String> following = new HashSet<>();
        blocks.forEach(b -> following.add(b.hash()));
        List<BlockRecord> all = new ArrayList<>(blocks);
        for (BlockRecord deep : payouts.deepBlocksToFollow(tip - DEEP_FOLLOW_DEPTH)) {
            if (following.add(deep.hash())) {
                all.add(deep);
            }
        }
        all.sort(java.util.Comparator.comparingLong(BlockRecord::height)); // stable: the ledger's order within a height
        pollsSinceDeepCheck = 0;
        deepCheckedAtTip = tip;
        return all;
    }

    /** Tells the listener of a block that just reached {@code status}, as the ledger now has it. */
    private void tell(String hash, BlockStatus status) {
        try {
            payouts.block(hash).filter(b -> b.status() == status).ifPresent(settled);
        } catch (RuntimeException e) {
            log.warn("block {} {}: listener failed: {}", hash, status, e.toString());
        }
    }

    private long creditShares(Pps pps, long tip) {
        List<Long> fees = pps.fullPay() ? payouts.recentBlockFees(FPPS_FEE_BLOCKS, chain::subsidy) : List.of();
        Pps.Rate rate = new Pps.Rate(chain.subsidy(tip + 1), chain.networkDifficulty(), fees);
        Instant settled = Instant.now().minus(SHARE_SETTLE_TIME);
        long total = 0;
        int maxShares = SHARES_PER_BATCH;
        // Bounded: each round either credits at least one share or halves the batch (at most 17 times).
        for (int round = 0; round < 1_000_000; round++) {
            Optional<PayoutLedger.ShareCreditBatch> batch;
            try {
                batch = payouts.creditShares(pps, rate, maxShares, settled);
            } catch (Pps.BatchTooValuable e) {
                // Shares priced far above the network difficulty (regtest; a testnet block at minimum
                // difficulty) can make a full batch worth more than all bitcoin: fewer shares at a time
                // still credit them all, and nothing else waits behind them. One share that is worth
                // that much is a wrong rate, for the operator.
                if (maxShares == 1) {
                    throw e;
                }
                maxShares = Math.max(1, maxShares / 2);
                continue;
            }
            if (batch.isEmpty()) {
                break;
            }
            total += batch.get().shares();
        }
        return total;
    }

    private Distribution distribute(BlockRecord block, double networkDifficulty) {
        FoundBlock found = new FoundBlock(block.rewardSats(), networkDifficulty, block.user());
        // The window (or round) summed per account in the database: the same weights as the shares
        // one by one (which `templar payouts verify` reads to check this), without a million objects.
        switch (scheme.kind()) {
            case PPLNS: {
                Pplns pplns = (Pplns) scheme;
                return pplns.distribute(found, payouts.windowWeightsEndingAt(block.foundAt(), pplns.windowLength(networkDifficulty)));
            }
            case PROP: {
                // the block is in the best chain: an earlier block of the pool there is its ancestor
                Instant start = payouts.roundStart(block, earlier -> earlier.status() != BlockStatus.ORPHANED
                        && chain.header(earlier.hash()).filter(h -> h.confirmations() >= 1).isPresent());
                return ((Prop) scheme).distribute(found, payouts.roundWeights(start, block.foundAt()));
            }
            default:
                return scheme.distribute(found, List.of()); // SOLO, PPS and FPPS do not look at shares
        }
    }
}
