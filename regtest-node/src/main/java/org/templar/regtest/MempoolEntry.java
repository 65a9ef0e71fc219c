package org.templar.regtest;

import java.util.List;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;

/**
 * A transaction in the mempool with what Core's CTxMemPoolEntry records: fee, virtual size, weight,
 * sigop cost, entry time and height, and the in-mempool parents it depends on.
 */
public record MempoolEntry(Transaction tx, long fee, int vsize, int weight, int sigopCost, long time, int height,
        List<Sha256Hash> parents) {
    public MempoolEntry {
        parents = List.copyOf(parents);
    }

    public Sha256Hash txid() {
        return tx.getTxId();
    }
}
