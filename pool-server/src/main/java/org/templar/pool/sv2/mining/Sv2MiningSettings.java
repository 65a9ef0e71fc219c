package org.templar.pool.sv2.mining;

/**
 * Per-connection limits and batching of the SV2 mining server.
 *
 * @param keptJobs jobs remembered per channel (shares on older ones get invalid-job-id)
 * @param successBatch accepted shares acknowledged together in one SubmitShares.Success; a
 *     partial batch is flushed by the periodic tick (about once a second)
 * @param maxChannels channels one connection may open
 */
public record Sv2MiningSettings(int keptJobs, int successBatch, int maxChannels) {
    public Sv2MiningSettings {
        if (keptJobs < 2 || successBatch < 1 || maxChannels < 1) {
            throw new IllegalArgumentException("keptJobs >= 2, successBatch >= 1, maxChannels >= 1 required");
        }
    }

    public static Sv2MiningSettings defaults() {
        return new Sv2MiningSettings(16, 16, 256);
    }
}
