package org.templar.share;

/**
 * What a share turned out to be. The order of the checks is part of the meaning: a block candidate is
 * recognised before any stale, low-difficulty or duplicate rejection (a solved block is never thrown
 * away), and a low-difficulty share is rejected before it can occupy a slot in the duplicate filter.
 */
public enum ShareOutcome {
    /** Meets the network target: submit the block, whatever else is wrong with the share. */
    BLOCK_CANDIDATE,
    /** Meets the share target, first time seen on a live job. */
    ACCEPTED,
    /** The job was retired (new prevhash or too old); decided by the caller's job store. */
    STALE,
    /** Hash above the share target. */
    LOW_DIFFICULTY,
    /** Same header hash already submitted on this job (or the job's duplicate filter is full). */
    DUPLICATE;

    /** True for outcomes that earn credit. */
    public boolean credited() {
        return this == ACCEPTED || this == BLOCK_CANDIDATE;
    }
}
