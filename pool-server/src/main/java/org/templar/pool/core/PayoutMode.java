package org.templar.pool.core;

/** How the coinbase of a connection's jobs pays. */
public enum PayoutMode {
    /** The username is ADDRESS[.worker]; the whole reward goes to ADDRESS. */
    SOLO,
    /** The coinbase pays the operator's address; shares are recorded for the payout schemes. */
    POOL;

    public String ledgerName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
