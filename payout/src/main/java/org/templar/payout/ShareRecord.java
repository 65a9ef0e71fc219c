package org.templar.payout;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;

import org.templar.share.Hex;

/**
 * One accepted share as the ledger stores it.
 *
 * <p>Validation is strict on purpose: shares are written in group-commit batches, so a value the
 * database would refuse (a too-long name, a NaN difficulty) would fail every other share of its
 * batch. Everything that passes this constructor fits the schema.
 *
 * @param worker the full username the miner authorized with, e.g. {@code "bcrt1q....rig1"} or {@code "alice.rig1"}
 * @param user the part of {@code worker} before the first '.', the account that gets paid
 * @param workerName the part after the first '.', empty when there is none
 * @param jobId the job the share was submitted for
 * @param channelId the connection or SV2 channel the share came in on
 * @param shareDifficulty the difficulty the share was accepted at (what it is credited for)
 * @param achievedDifficulty the difficulty the share's hash actually reached
 * @param shareHash the share's block-header hash, display hex (normalized to lower case)
 * @param blockCandidate whether the hash met the network target
 * @param payoutMode {@link #SOLO} or {@link #POOL}
 * @param time when the share was accepted; stored with microsecond precision (PostgreSQL's), so it
 *     is truncated to microseconds here and a record read back equals the one written
 * @param revenueWeight the fraction (0, 1] of the share's difficulty that counts for payouts: 1 on the
 *     pool's own jobs; on a job the miner declared (Job Declaration), the share of the template's
 *     revenue that the job pays to the pool's output
 * @param templateSource who chose the template: {@link #SOURCE_POOL}, or a miner's declaration
 *     ({@link #SOURCE_JD_FULL}, {@link #SOURCE_JD_COINBASE})
 */
public record ShareRecord(
        String worker,
        String user,
        String workerName,
        String jobId,
        String channelId,
        double shareDifficulty,
        double achievedDifficulty,
        String shareHash,
        boolean blockCandidate,
        String payoutMode,
        Instant time,
        double revenueWeight,
        String templateSource) {

    public static final String SOLO = "solo";
    public static final String POOL = "pool";
    /** Template sources (column {@code template_source}). */
    public static final String SOURCE_POOL = "pool";
    public static final String SOURCE_JD_FULL = "jd-full";
    public static final String SOURCE_JD_COINBASE = "jd-coinbase";
    static final int MAX_SOURCE_LENGTH = 16;

    /** Column sizes of the {@code shares} table. */
    static final int MAX_WORKER_LENGTH = 256;
    static final int MAX_ID_LENGTH = 64;

    public ShareRecord {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(workerName, "workerName");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(channelId, "channelId");
        Objects.requireNonNull(shareHash, "shareHash");
        Objects.requireNonNull(payoutMode, "payoutMode");
        Objects.requireNonNull(time, "time");
        if (worker.isEmpty() || worker.length() > MAX_WORKER_LENGTH) {
            throw new IllegalArgumentException("worker must be 1.." + MAX_WORKER_LENGTH + " characters: '" + worker + "'");
        }
        if (!user.equals(userOf(worker)) || !workerName.equals(workerNameOf(worker))) {
            throw new IllegalArgumentException("user '" + user + "' and workerName '" + workerName
                    + "' are not the parts of worker '" + worker + "' around its first '.'");
        }
        if (user.isEmpty()) {
            throw new IllegalArgumentException("worker '" + worker + "' has an empty user part");
        }
        requireId("jobId", jobId);
        requireId("channelId", channelId);
        requirePositive("shareDifficulty", shareDifficulty);
        requirePositive("achievedDifficulty", achievedDifficulty);
        if (!Hex.isHex(shareHash, 32)) {
            throw new IllegalArgumentException("shareHash must be 64 hex characters: '" + shareHash + "'");
        }
        shareHash = shareHash.toLowerCase(Locale.ROOT);
        if (!SOLO.equals(payoutMode) && !POOL.equals(payoutMode)) {
            throw new IllegalArgumentException("payoutMode must be '" + SOLO + "' or '" + POOL + "': '" + payoutMode + "'");
        }
        time = time.truncatedTo(ChronoUnit.MICROS);
        if (!(revenueWeight > 0) || revenueWeight > 1) {
            throw new IllegalArgumentException("revenueWeight must be in (0, 1]: " + revenueWeight);
        }
        Objects.requireNonNull(templateSource, "templateSource");
        if (templateSource.isEmpty() || templateSource.length() > MAX_SOURCE_LENGTH) {
            throw new IllegalArgumentException("templateSource must be 1.." + MAX_SOURCE_LENGTH + " characters: '"
                    + templateSource + "'");
        }
    }

    /** A share on one of the pool's own jobs: full weight, template chosen by the pool. */
    public ShareRecord(String worker, String user, String workerName, String jobId, String channelId,
            double shareDifficulty, double achievedDifficulty, String shareHash, boolean blockCandidate,
            String payoutMode, Instant time) {
        this(worker, user, workerName, jobId, channelId, shareDifficulty, achievedDifficulty, shareHash,
                blockCandidate, payoutMode, time, 1.0, SOURCE_POOL);
    }

    /** {@link #of(String, String, String, double, double, String, boolean, String, Instant)} with a weight and source. */
    public ShareRecord withTemplate(double weight, String source) {
        return new ShareRecord(worker, user, workerName, jobId, channelId, shareDifficulty, achievedDifficulty,
                shareHash, blockCandidate, payoutMode, time, weight, source);
    }

    /** Builds a record, splitting {@code worker} into user and worker name at its first '.'. */
    public static ShareRecord of(
            String worker,
            String jobId,
            String channelId,
            double shareDifficulty,
            double achievedDifficulty,
            String shareHash,
            boolean blockCandidate,
            String payoutMode,
            Instant time) {
        Objects.requireNonNull(worker, "worker");
        return new ShareRecord(worker, userOf(worker), workerNameOf(worker), jobId, channelId,
                shareDifficulty, achievedDifficulty, shareHash, blockCandidate, payoutMode, time);
    }

    /** The account part of a username: everything before the first '.'. */
    public static String userOf(String worker) {
        int dot = worker.indexOf('.');
        return dot < 0 ? worker : worker.substring(0, dot);
    }

    /** The rig part of a username: everything after the first '.', or empty. */
    public static String workerNameOf(String worker) {
        int dot = worker.indexOf('.');
        return dot < 0 ? "" : worker.substring(dot + 1);
    }

    private static void requireId(String name, String value) {
        if (value.isEmpty() || value.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException(name + " must be 1.." + MAX_ID_LENGTH + " characters: '" + value + "'");
        }
    }

    private static void requirePositive(String name, double value) {
        // NaN fails this comparison too.
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a positive finite number: " + value);
        }
    }
}
