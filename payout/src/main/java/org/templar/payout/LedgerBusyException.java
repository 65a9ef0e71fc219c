package org.templar.payout;

/**
 * The share queue is full: the database is not keeping up. Raised (as a failed future) instead of
 * blocking, because shares are recorded from network event loops; the caller rejects the share
 * with a clear reason and the miner resubmits nothing, it simply continues.
 */
public final class LedgerBusyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LedgerBusyException(String message) {
        super(message, null, false, false); // no stack trace: this is flow control, and it must be cheap
    }
}
