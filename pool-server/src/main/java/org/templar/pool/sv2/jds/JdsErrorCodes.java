package org.templar.pool.sv2.jds;

/**
 * error_code strings of DeclareMiningJob.Error and SetCustomMiningJob.Error. The spec's latest text
 * lists none; these are the names it used to suggest ({@code invalid-mining-job-token},
 * {@code invalid-job-param-value-<field>}) and which the reference implementation still sends, so
 * a Job Declaration client recognises them. The human-readable reason goes in error_details.
 */
public final class JdsErrorCodes {
    private JdsErrorCodes() {}

    /** Unknown, expired, already used, or someone else's token. */
    public static final String INVALID_MINING_JOB_TOKEN = "invalid-mining-job-token";

    /** A field of the declared or custom job is wrong; {@code field} is the spec's field name. */
    public static String invalidParam(String field) {
        return "invalid-job-param-value-" + field;
    }

    /**
     * The connection already has {@link JdsSettings#maxOpenDeclarations} declarations open. A name in
     * the spec's style (it names none for this); the token is not used up, so the JDC may declare
     * again with it once an answer came.
     */
    public static final String TOO_MANY_OPEN_DECLARATIONS = "too-many-open-declarations";

    /** The pool's node could not be asked: not the miner's fault. */
    public static final String POOL_NODE_UNAVAILABLE = "pool-node-unavailable";

    /**
     * Extension 0x0003: the declaration's payout output set was planned on another tip than the
     * pool's current one. The draft's own code; the JDC asks for a fresh set and declares again.
     */
    public static final String STALE_PAYOUT_OUTPUTS = "stale-payout-outputs";

    /**
     * Extension 0x0003: a declaration whose token has no payout set (the draft requires one per job),
     * or whose coinbase lacks, changes or reduces one of its outputs. The draft names no code for these.
     */
    public static final String INVALID_PAYOUT_OUTPUTS = "invalid-payout-outputs";

    /** Extension 0x0003: the payout set was already used by a declaration (single-use, as the draft says). */
    public static final String PAYOUT_OUTPUTS_ALREADY_USED = "payout-outputs-already-used";

    // RequestPayoutOutputs.Error codes (the draft names none)
    /** RequestPayoutOutputs on a connection that did not negotiate extension 0x0003. */
    public static final String EXTENSION_NOT_NEGOTIATED = "extension-not-negotiated";
    /** available_payout_value is zero, or beyond a long. */
    public static final String INVALID_AVAILABLE_PAYOUT_VALUE = "invalid-available-payout-value";
    /** The outputs do not fit in the reservation announced with the token. */
    public static final String PAYOUT_OUTPUTS_EXCEED_RESERVATION = "payout-outputs-exceed-reservation";
    /** Coinbase-only connections: the pool checks SetCustomMiningJob against the token's pool output only. */
    public static final String UNSUPPORTED_MODE = "unsupported-mode";
}
