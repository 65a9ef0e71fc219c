package org.templar.pool.job;

/**
 * Job-building settings.
 *
 * @param poolTag text put in every coinbase scriptSig (shortened to fit the 100-byte limit)
 * @param maxCoinbaseSize cap on the coinbase size in bytes, for miner firmware limits
 * @param duplicateCapacity shares remembered per job for duplicate detection
 */
public record JobSettings(String poolTag, int maxCoinbaseSize, int duplicateCapacity) {
    public JobSettings {
        if (maxCoinbaseSize < 100) {
            throw new IllegalArgumentException("max coinbase size must be at least 100 bytes, got " + maxCoinbaseSize);
        }
        if (duplicateCapacity < 1) {
            throw new IllegalArgumentException("duplicate capacity must be positive");
        }
    }

    public static JobSettings defaults() {
        return new JobSettings("/Templar/", 730, 1 << 20);
    }
}
