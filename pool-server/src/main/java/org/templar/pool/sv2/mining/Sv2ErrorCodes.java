package org.templar.pool.sv2.mining;

/**
 * The error_code strings this server sends. The names the spec suggested until it stopped listing
 * them (sv2-spec commit 9fead06 "remove all error code suggestions"); the reference implementation
 * still uses them, so miners recognise them. Where the spec never named one, a name in the same style.
 */
public final class Sv2ErrorCodes {
    private Sv2ErrorCodes() {
    }

    // SetupConnection.Error
    public static final String UNSUPPORTED_FEATURE_FLAGS = "unsupported-feature-flags";
    public static final String UNSUPPORTED_PROTOCOL = "unsupported-protocol";
    public static final String PROTOCOL_VERSION_MISMATCH = "protocol-version-mismatch";
    // OpenMiningChannel.Error / UpdateChannel.Error
    public static final String UNKNOWN_USER = "unknown-user";
    public static final String MAX_TARGET_OUT_OF_RANGE = "max-target-out-of-range";
    public static final String MIN_EXTRANONCE_SIZE_TOO_LARGE = "min-extranonce-size-too-large";
    public static final String TOO_MANY_CHANNELS = "too-many-channels";
    public static final String NO_WORK = "no-work-available";
    // SubmitShares.Error (and UpdateChannel.Error)
    public static final String INVALID_CHANNEL_ID = "invalid-channel-id";
    public static final String STALE_SHARE = "stale-share";
    public static final String DIFFICULTY_TOO_LOW = "difficulty-too-low";
    public static final String INVALID_JOB_ID = "invalid-job-id";
    public static final String DUPLICATE_SHARE = "duplicate-share";
    public static final String INVALID_EXTRANONCE_SIZE = "invalid-extranonce-size";
    public static final String INVALID_VERSION = "invalid-version";
    public static final String INVALID_TIMESTAMP = "invalid-timestamp";
    public static final String SHARE_NOT_RECORDED = "share-not-recorded";
    // SetCustomMiningJob.Error
    public static final String INVALID_MINING_JOB_TOKEN = "invalid-mining-job-token";
}
