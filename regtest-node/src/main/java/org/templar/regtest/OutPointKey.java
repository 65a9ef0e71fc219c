package org.templar.regtest;

import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.TransactionOutPoint;

/** A map key for an output: txid (display order) and index. bitcoinj's outpoint carries connections we do not want in keys. */
public record OutPointKey(Sha256Hash txid, long index) {
    public static OutPointKey of(TransactionOutPoint op) {
        return new OutPointKey(op.hash(), op.index());
    }
}
