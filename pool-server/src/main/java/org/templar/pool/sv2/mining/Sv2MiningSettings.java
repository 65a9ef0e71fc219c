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
 */
public record Sv2MiningSettings(int keptJobs, int successBatch, int maxChannels, Duration setupTimeout,
        Duration channelTimeout) {
    public Sv2MiningSettings {
        if (keptJobs < 2 || successBatch < 1 || maxChannels < 1) {
            throw new IllegalArgumentException("keptJobs >= 2, successBatch >= 1, maxChannels >= 1 required");
        }
        if (setupTimeout.isNegative() || setupTimeout.isZero() || channelTimeout.compareTo(setupTimeout) < 0) {
            throw new IllegalArgumentException("need 0 < setupTimeout <= channelTimeout");
        }
    }

    public static Sv2MiningSettings defaults() {
        return new Sv2MiningSettings(16, 16, 256, Duration.ofSeconds(30), Duration.ofSeconds(120));
    }

    public Sv2MiningSettings withTimeouts(Duration setup, Duration channel) {
        return new Sv2MiningSettings(keptJobs, successBatch, maxChannels, setup, channel);
    }
}
