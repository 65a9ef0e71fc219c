package org.templar.regtest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;

/**
 * The mempool's data: entries in arrival order (so parents precede children), which entry spends
 * each outpoint, and an update counter for long polling. Acceptance rules live in
 * {@link RegtestChain}, which owns this and guards it with its lock.
 */
final class Mempool {
    private final LinkedHashMap<Sha256Hash, MempoolEntry> entries = new LinkedHashMap<>();
    private final Map<OutPointKey, Sha256Hash> spends = new HashMap<>();
    private long updates;

    boolean contains(Sha256Hash txid) {
        return entries.containsKey(txid);
    }

    MempoolEntry get(Sha256Hash txid) {
        return entries.get(txid);
    }

    /** Entries in arrival order (unmodifiable view). */
    Collection<MempoolEntry> entries() {
        return Collections.unmodifiableCollection(entries.values());
    }

    int size() {
        return entries.size();
    }

    /** The txid of the mempool transaction spending {@code outpoint}, or null. */
    Sha256Hash spenderOf(OutPointKey outpoint) {
        return spends.get(outpoint);
    }

    long updates() {
        return updates;
    }

    void add(MempoolEntry e) {
        entries.put(e.txid(), e);
        for (TransactionInput in : e.tx().getInputs()) {
            spends.put(OutPointKey.of(in.getOutpoint()), e.txid());
        }
        updates++;
    }

    /** Mempool transactions spending outputs of {@code txid}. */
    List<Sha256Hash> children(Sha256Hash txid) {
        List<Sha256Hash> out = new ArrayList<>();
        MempoolEntry parent = entries.get(txid);
        if (parent != null) {
            // through the spends index (Core's mapNextTx): one lookup per output, not a scan of the pool,
            // so getrawmempool true stays fast with thousands of chained transactions
            for (int i = 0; i < parent.tx().getOutputs().size(); i++) {
                Sha256Hash child = spends.get(new OutPointKey(txid, i));
                if (child != null && !out.contains(child)) {
                    out.add(child);
                }
            }
            return out;
        }
        for (MempoolEntry e : entries.values()) {
            if (e.parents().contains(txid)) {
                out.add(e.txid());
            }
        }
        return out;
    }

    /**
     * A block was connected: its transactions leave (their children stay, now spending confirmed
     * outputs), and so does every transaction spending an outpoint the block spent, with its
     * descendants (removeForBlock / removeConflicts in Core).
     */
    void removeForBlock(List<Transaction> blockTxs, Set<OutPointKey> spentByBlock) {
        for (Transaction tx : blockTxs) {
            remove(tx.getTxId());
        }
        Set<Sha256Hash> conflicts = new HashSet<>();
        for (OutPointKey k : spentByBlock) {
            Sha256Hash c = spends.get(k);
            if (c != null) {
                conflicts.add(c);
            }
        }
        for (Sha256Hash txid : conflicts) {
            removeWithDescendants(txid);
        }
        for (Map.Entry<Sha256Hash, MempoolEntry> e : entries.entrySet()) {
            MempoolEntry m = e.getValue();
            List<Sha256Hash> still = m.parents().stream().filter(entries::containsKey).toList();
            if (still.size() != m.parents().size()) {
                e.setValue(new MempoolEntry(m.tx(), m.fee(), m.vsize(), m.weight(), m.sigopCost(), m.time(), m.height(), still));
            }
        }
        updates++;
    }

    private void removeWithDescendants(Sha256Hash txid) {
        if (!entries.containsKey(txid)) {
            return;
        }
        for (Sha256Hash child : children(txid)) {
            removeWithDescendants(child);
        }
        remove(txid);
    }

    private void remove(Sha256Hash txid) {
        MempoolEntry e = entries.remove(txid);
        if (e != null) {
            for (TransactionInput in : e.tx().getInputs()) {
                spends.remove(OutPointKey.of(in.getOutpoint()));
            }
        }
    }

    /** Empties the pool (before re-admitting transactions after a reorganisation). */
    void clear() {
        entries.clear();
        spends.clear();
        updates++;
    }

    Mempool copy() {
        Mempool m = new Mempool();
        m.entries.putAll(entries);
        m.spends.putAll(spends);
        m.updates = updates;
        return m;
    }

    void restore(Mempool saved) {
        entries.clear();
        entries.putAll(saved.entries);
        spends.clear();
        spends.putAll(saved.spends);
        updates = saved.updates;
    }
}
