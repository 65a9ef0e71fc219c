package org.templar.pool.core;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bitcoinj.base.BitcoinNetwork;
import org.templar.payout.BlockTracker;
import org.templar.payout.PayoutLedger;
import org.templar.payout.scheme.Credit;
import org.templar.payout.scheme.Tides;
import org.templar.payout.scheme.WindowWeights;
import org.templar.pool.job.CoinbaseBuilder;
import org.templar.pool.job.JobSettings;
import org.templar.pool.job.TemplateSource;
import org.templar.pool.node.BlockTemplate;
import org.templar.share.Target;

/**
 * The TIDES plan of each template: the ledger's current share window and carries, divided by
 * {@link Tides#plan}, within the room {@code pool.max_coinbase_size} leaves for payout outputs.
 * Runs on the template source's thread, once per published template.
 *
 * <p>Accounts are addresses (the {@link Authorizer} refuses anything else under TIDES), so an
 * account's output script is its address's. When no share is in the window yet, the block would be
 * nobody's but the pool's: the pool's own address stands as the finder.
 */
public final class TidesPlanner implements TemplateSource.PayoutPlanner {
    private final PayoutLedger payouts;
    private final Tides tides;
    private final BitcoinNetwork network;
    private final String poolAddress;
    private final BlockTracker.ChainView chain;
    private final Map<String, Optional<byte[]>> scripts = new ConcurrentHashMap<>();

    /**
     * @param chain the node's answers ({@code getblockheader}) that tell which of the pool's recent
     *     TIDES blocks are on the chain a template builds on, so its plan starts from their carries only
     */
    public TidesPlanner(PayoutLedger payouts, Tides tides, BitcoinNetwork network, String poolAddress,
            BlockTracker.ChainView chain) {
        this.payouts = Objects.requireNonNull(payouts, "payouts");
        this.chain = Objects.requireNonNull(chain, "chain");
        this.tides = Objects.requireNonNull(tides, "tides");
        this.network = Objects.requireNonNull(network, "network");
        this.poolAddress = Objects.requireNonNull(poolAddress, "poolAddress");
    }

    @Override
    public Tides.JobPayout planFor(BlockTemplate template, JobSettings settings) {
        return plan(template.coinbaseValue(), template,
                CoinbaseBuilder.payoutRoom(template.defaultWitnessCommitment(), settings.maxCoinbaseSize()), false);
    }

    /**
     * The TIDES plan dividing {@code value} sat (a miner-declared coinbase's payout value, extension
     * 0x0003) from the same window and carries as the pool's own template, within {@code outputBytes}:
     * miners beyond the room are carried, as in the pool's coinbase. A block mined on the declared job
     * is recorded with it at its solve, as the pool's own blocks are, so the carries it pays are not
     * paid again by the next coinbase on its chain.
     */
    public Tides.JobPayout planValue(long value, BlockTemplate template, int outputBytes) {
        return plan(value, template, outputBytes, true);
    }

    private Tides.JobPayout plan(long value, BlockTemplate template, int outputBytes, boolean minerDeclared) {
        double difficulty = Target.fromCompact(template.bits()).difficulty();
        long lastShare = payouts.lastPoolShareId();
        // Summed per account in the database, the same weights as the shares one by one (what
        // `templar payouts verify` reads to check the plan), without an object per share.
        WindowWeights window = payouts.windowWeightsUpToShare(lastShare, tides.windowLength(difficulty));
        // A template builds on the node's tip: the blocks of its chain are the best chain's up to its
        // parent's height (a template on a tip the node has since left is replaced at once).
        List<Credit> carried = payouts.carriedOnChain(template.height() - 1L,
                block -> chain.header(block.hash()).filter(h -> h.confirmations() >= 1).isPresent());
        Tides.CoinbasePlan plan = tides.plan(value, difficulty, poolAddress, window, carried, this::scriptFor, outputBytes);
        return new Tides.JobPayout(plan, lastShare, difficulty, carried, minerDeclared);
    }

    /** The output script of an account's address; empty (carried) for an account that is no address. */
    public Optional<byte[]> scriptFor(String account) {
        return scripts.computeIfAbsent(account, a -> {
            try {
                return Optional.of(Authorizer.planFor(network, a).script());
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }).map(byte[]::clone);
    }
}
