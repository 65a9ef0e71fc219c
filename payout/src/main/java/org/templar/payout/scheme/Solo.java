package org.templar.payout.scheme;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.templar.payout.coinbase.TxOut;

/**
 * Solo mining: the miner whose share solved the block gets the reward, less the pool fee and the
 * donation. Paid in the coinbase itself; {@link #outputs} is that coinbase.
 */
public record Solo(PoolFee fee) implements PayoutScheme {
    public Solo {
        Objects.requireNonNull(fee, "fee");
    }

    @Override
    public SchemeKind kind() {
        return SchemeKind.SOLO;
    }

    @Override
    public Distribution distribute(FoundBlock block, List<WindowShare> sharesOldestFirst) {
        PoolFee.Split split = fee.split(block.rewardSats());
        return Distribution.of(block.rewardSats(), List.of(new Credit(block.finderAccount(), split.minersSats())),
                split.feeSats(), split.donationSats());
    }

    /**
     * The coinbase outputs of a solo job: the miner first, then the pool's fee and the donation when
     * they are not zero. A donation with no script stays with the pool.
     */
    public List<TxOut> outputs(long coinbaseValue, byte[] minerScript, byte[] poolScript, Optional<byte[]> donationScript) {
        PoolFee.Split split = fee.split(coinbaseValue);
        long pool = split.feeSats() + (donationScript.isPresent() ? 0 : split.donationSats());
        List<TxOut> outs = new ArrayList<>(3);
        outs.add(new TxOut(split.minersSats(), minerScript));
        if (pool > 0) {
            outs.add(new TxOut(pool, poolScript));
        }
        if (donationScript.isPresent() && split.donationSats() > 0) {
            outs.add(new TxOut(split.donationSats(), donationScript.get()));
        }
        return outs;
    }
}
