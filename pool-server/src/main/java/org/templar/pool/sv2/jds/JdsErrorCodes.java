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
}
