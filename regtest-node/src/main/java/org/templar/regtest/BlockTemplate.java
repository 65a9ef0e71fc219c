package org.templar.regtest;

import java.util.List;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;

/**
 * The work a getblocktemplate answer describes: the parent, the height, header fields, the
 * transactions picked from the mempool (parents before children) and the coinbase value.
 */
public record BlockTemplate(Sha256Hash previousBlockHash, int height, int version, int bits, long curTime, long minTime,
        long coinbaseValue, List<Entry> transactions, byte[] witnessCommitmentScript, String longPollId) {

    public BlockTemplate {
        transactions = List.copyOf(transactions);
        witnessCommitmentScript = witnessCommitmentScript.clone();
    }

    /** One template transaction; {@code depends} are 1-based positions of in-template parents, as in BIP22. */
    public record Entry(Transaction tx, long fee, int sigopCost, int weight, List<Integer> depends) {
        public Entry {
            depends = List.copyOf(depends);
        }
    }

    @Override
    public byte[] witnessCommitmentScript() {
        return witnessCommitmentScript.clone();
    }
}
