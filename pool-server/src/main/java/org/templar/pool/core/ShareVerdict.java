package org.templar.pool.core;

/** Why a share was accepted or refused, independent of the protocol that carried it. */
public enum ShareVerdict {
    ACCEPTED,
    /** The job is unknown or was built on an old chain tip. */
    STALE,
    DUPLICATE,
    LOW_DIFFICULTY,
    /** ntime before the template's mintime or more than two hours ahead. */
    BAD_NTIME,
    /** Version bits outside the negotiated mask. */
    BAD_VERSION,
    /** The ledger could not take the share (overloaded or failing); the miner may resend. */
    NOT_RECORDED
}
