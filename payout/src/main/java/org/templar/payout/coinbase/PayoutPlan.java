package org.templar.payout.coinbase;

import java.util.List;

/**
 * Who the coinbase pays. Implementations are immutable and comparable by value: jobs are cached per
 * (template, plan), so two connections with equal plans share one job.
 */
public interface PayoutPlan {
    /** The coinbase outputs for a block whose coinbase may claim {@code coinbaseValue} satoshis. */
    List<TxOut> outputs(long coinbaseValue);

    /** Short human description for logs and the ledger (an address, "pool"). */
    String describe();

    /** Everything to one script: solo mining (the miner's address) or the pool's own address. */
    record SingleAddress(String address, byte[] script) implements PayoutPlan {
        public SingleAddress {
            script = script.clone();
        }

        @Override
        public List<TxOut> outputs(long coinbaseValue) {
            return List.of(new TxOut(coinbaseValue, script));
        }

        @Override
        public String describe() {
            return address;
        }

        @Override
        public byte[] script() {
            return script.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SingleAddress s && s.address.equals(address);
        }

        @Override
        public int hashCode() {
            return address.hashCode();
        }
    }
}
