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
}
