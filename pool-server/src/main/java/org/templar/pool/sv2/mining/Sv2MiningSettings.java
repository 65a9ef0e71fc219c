package org.templar.pool.sv2.mining;

import java.time.Duration;

/**
 * Per-connection limits, timeouts and batching of the SV2 mining server.
 *
 * @param keptJobs jobs remembered per channel (shares on older ones get invalid-job-id)
 * @param successBatch accepted shares acknowledged together in one SubmitShares.Success; a
 *     partial batch is flushed by the periodic tick (about once a second)
 * @param maxChannels channels one connection may open
 * @param setupTimeout a connection that has not sent SetupConnection by then (after the Noise
 *     handshake) is closed
 * @param channelTimeout a connection with no open channel by then is closed (spec 5.3.2 SHOULD)
 * @param maxExtranonceSize the longest full extranonce (the channel's prefix and the miner's part) a
 *     channel's jobs may have: 32 for the pool (B0_32); less behind `templar proxy`, whose jobs go into a
 *     pool channel that lets it roll only so many bytes. An extended channel asking for more is refused
 *     (min-extranonce-size-too-large).
 */
public record Sv2MiningSettings(int keptJobs, int successBatch, int maxChannels, Duration setupTimeout,
        Duration channelTimeout, int maxExtranonceSize) {
    /**
     * The extranonce a standard channel's jobs have (the allocator's 4 unique bytes and 4 more), and so
     * the least any channel must be allowed.
     */
    public static final int MIN_EXTRANONCE_SIZE = 8;
    /** Pools give out at most 32 bytes of extranonce (B0_32). */
    public static final int MAX_EXTRANONCE_SIZE = 32;

    public Sv2MiningSettings {
        if (keptJobs < 2 || successBatch < 1 || maxChannels < 1) {
            throw new IllegalArgumentException("keptJobs >= 2, successBatch >= 1, maxChannels >= 1 required");
        }
        if (maxExtranonceSize < MIN_EXTRANONCE_SIZE || maxExtranonceSize > MAX_EXTRANONCE_SIZE) {
            throw new IllegalArgumentException("maxExtranonceSize must be " + MIN_EXTRANONCE_SIZE + ".."
                    + MAX_EXTRANONCE_SIZE + ", got " + maxExtranonceSize);
        }
        if (setupTimeout.isNegative() || setupTimeout.isZero() || channelTimeout.compareTo(setupTimeout) < 0) {
            throw new IllegalArgumentException("need 0 < setupTimeout <= channelTimeout");
        }
    }

    public static Sv2MiningSettings defaults() {
        return new Sv2MiningSettings(16, 16, 256, Duration.ofSeconds(30), Duration.ofSeconds(120), MAX_EXTRANONCE_SIZE);
    }

    public Sv2MiningSettings withTimeouts(Duration setup, Duration channel) {
        return new Sv2MiningSettings(keptJobs, successBatch, maxChannels, setup, channel, maxExtranonceSize);
    }

    public Sv2MiningSettings withMaxExtranonceSize(int size) {
        return new Sv2MiningSettings(keptJobs, successBatch, maxChannels, setupTimeout, channelTimeout, size);
    }
}
