package org.templar.regtest;

/**
 * A block failed validation with Core's reject reason (what submitblock returns). {@code mutated}
 * mirrors Core's BLOCK_MUTATED: such a block may be a corrupted copy of a valid one, so it is not
 * remembered as invalid and an intact copy can still be accepted later.
 */
public final class BlockRejected extends Exception {
    private final String reason;
    private final boolean mutated;

    public BlockRejected(String reason, boolean mutated, String debug) {
        super(reason + (debug == null || debug.isEmpty() ? "" : ", " + debug), null, false, false);
        this.reason = reason;
        this.mutated = mutated;
    }

    public static BlockRejected consensus(String reason, String debug) {
        return new BlockRejected(reason, false, debug);
    }

    public static BlockRejected mutated(String reason, String debug) {
        return new BlockRejected(reason, true, debug);
    }

    public String reason() {
        return reason;
    }

    public boolean mutated() {
        return mutated;
    }
}
