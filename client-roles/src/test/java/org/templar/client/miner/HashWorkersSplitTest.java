package org.templar.client.miner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.share.Difficulty;
import org.templar.share.JobWork;
import org.templar.share.MerkleBranch;
import org.templar.share.Target;

/**
 * Header-only work without version rolling (an SV2 standard channel on a pool that fixes the version) has a
 * single (extranonce2, version) unit: the threads must split its nonce range, together covering every nonce
 * exactly once, instead of all but one idling.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HashWorkersSplitTest {
    @Test
    void threadsSplitTheNonceRangeOfASingleUnit() throws Exception {
        int nonceBits = 12;
        int threads = 3;
        byte[] root = new byte[32];
        Arrays.fill(root, (byte) 0x5a);
        JobWork work = JobWork.of(0x20000000, new byte[32], 0x1d00ffff, new byte[0], new byte[0],
                MerkleBranch.of(List.of()), 0);
        byte[] max = new byte[32];
        Arrays.fill(max, (byte) 0xff);
        // Every hash meets the maximum target: each nonce hashed comes back as a share.
        MinerJob job = new MinerJob("1", work, 1_700_000_000, new byte[0], 0, Difficulty.of(1e-9),
                Target.fromLittleEndian(max), 0, 1, root);
        Map<Integer, Integer> seen = new ConcurrentHashMap<>();
        Map<String, Integer> byThread = new ConcurrentHashMap<>();
        try (HashWorkers workers = new HashWorkers(threads, nonceBits, share -> {
            seen.merge(share.nonce(), 1, Integer::sum);
            byThread.merge(Thread.currentThread().getName(), 1, Integer::sum);
        })) {
            workers.start();
            workers.publish(job);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (seen.size() < (1 << nonceBits) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
        assertEquals(1 << nonceBits, seen.size(), "every nonce of the unit hashed");
        assertTrue(seen.values().stream().allMatch(c -> c == 1), "no nonce hashed twice");
        assertEquals(threads, byThread.size(), "all threads worked: " + byThread);
        for (int n : seen.keySet()) {
            assertTrue(n >= 0 && n < (1 << nonceBits), "nonce outside the range: " + n);
        }
    }
}
