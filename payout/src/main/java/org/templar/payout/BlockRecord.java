package org.templar.payout;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;

import org.templar.share.Hex;

/**
 * A block found by the pool, as the ledger stores it.
 *
 * @param height the block's height
 * @param hash the block hash, display hex (normalized to lower case)
 * @param worker the full username whose share solved the block
 * @param user the account part of {@code worker} (before the first '.')
 * @param rewardSats the coinbase value (subsidy + fees) in satoshis
 * @param payoutDestination where the coinbase pays: an address, or the output script in hex
 * @param foundAt when the solving share arrived (microsecond precision, like {@link ShareRecord#time()})
 * @param status where the block stands
 * @param reason the node's words for the last status change (Core's reject reason), or null
 */
public record BlockRecord(
        long height,
        String hash,
        String worker,
        String user,
        long rewardSats,
        String payoutDestination,
        Instant foundAt,
        BlockStatus status,
        String reason) {

    static final int MAX_DESTINATION_LENGTH = 1024;
    static final int MAX_REASON_LENGTH = 512;

    public BlockRecord {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(payoutDestination, "payoutDestination");
        Objects.requireNonNull(foundAt, "foundAt");
        Objects.requireNonNull(status, "status");
        if (height < 0) {
            throw new IllegalArgumentException("height must not be negative: " + height);
        }
        if (!Hex.isHex(hash, 32)) {
            throw new IllegalArgumentException("block hash must be 64 hex characters: '" + hash + "'");
        }
        hash = hash.toLowerCase(Locale.ROOT);
        if (worker.isEmpty() || worker.length() > ShareRecord.MAX_WORKER_LENGTH) {
            throw new IllegalArgumentException("worker must be 1.." + ShareRecord.MAX_WORKER_LENGTH + " characters: '" + worker + "'");
        }
        if (!user.equals(ShareRecord.userOf(worker)) || user.isEmpty()) {
            throw new IllegalArgumentException("user '" + user + "' is not the part of worker '" + worker + "' before its first '.'");
        }
        if (rewardSats < 0) {
            throw new IllegalArgumentException("rewardSats must not be negative: " + rewardSats);
        }
        if (payoutDestination.isEmpty() || payoutDestination.length() > MAX_DESTINATION_LENGTH) {
            throw new IllegalArgumentException("payoutDestination must be 1.." + MAX_DESTINATION_LENGTH + " characters");
        }
        if (reason != null && reason.length() > MAX_REASON_LENGTH) {
            throw new IllegalArgumentException("reason longer than " + MAX_REASON_LENGTH + " characters");
        }
        foundAt = foundAt.truncatedTo(ChronoUnit.MICROS);
    }

    /** A freshly solved block, status {@link BlockStatus#CANDIDATE}, to record before submitting it. */
    public static BlockRecord candidate(
            long height, String hash, String worker, long rewardSats, String payoutDestination, Instant foundAt) {
        Objects.requireNonNull(worker, "worker");
        return new BlockRecord(height, hash, worker, ShareRecord.userOf(worker), rewardSats, payoutDestination,
                foundAt, BlockStatus.CANDIDATE, null);
    }

    /** This block with another status and reason. */
    public BlockRecord withStatus(BlockStatus newStatus, String newReason) {
        return new BlockRecord(height, hash, worker, user, rewardSats, payoutDestination, foundAt, newStatus, newReason);
    }
}
