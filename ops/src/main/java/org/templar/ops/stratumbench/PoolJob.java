package org.templar.ops.stratumbench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.templar.share.Hex;
import org.templar.share.JobWork;
import org.templar.share.MerkleBranch;

/**
 * A mining.notify as any SV1 miner reads it: enough to hash shares against it. The previous-block
 * hash comes in Stratum's word-swapped form, as every pool sends it.
 */
record PoolJob(String jobId, String prevHashField, boolean clean, int version, int ntime, JobWork work) {

    static PoolJob parse(JsonNode params, byte[] extranonce1, int extranonce2Size) {
        String prevField = params.get(1).asText();
        byte[] swapped = Hex.decode(prevField);
        if (swapped.length != 32) {
            throw new IllegalArgumentException("mining.notify prevhash must be 32 bytes, got " + swapped.length);
        }
        byte[] prev = new byte[32];
        for (int w = 0; w < 8; w++) {
            for (int i = 0; i < 4; i++) {
                prev[4 * w + i] = swapped[4 * w + 3 - i];
            }
        }
        List<byte[]> branch = new ArrayList<>();
        params.get(4).forEach(b -> branch.add(Hex.decode(b.asText())));
        int version = (int) Long.parseLong(params.get(5).asText(), 16);
        int nbits = (int) Long.parseLong(params.get(6).asText(), 16);
        int ntime = (int) Long.parseLong(params.get(7).asText(), 16);
        JobWork work = JobWork.of(version, prev, nbits, Hex.decode(params.get(2).asText()),
                Hex.decode(params.get(3).asText()), MerkleBranch.of(branch), extranonce1.length + extranonce2Size);
        return new PoolJob(params.get(0).asText(), prevField, params.path(8).asBoolean(false), version, ntime, work);
    }

    /** Only what the notify-latency modes need: job id, prevhash field and the clean flag, no hashing state. */
    static PoolJob header(JsonNode params) {
        return new PoolJob(params.get(0).asText(), params.get(1).asText(), params.path(8).asBoolean(false), 0, 0, null);
    }
}
