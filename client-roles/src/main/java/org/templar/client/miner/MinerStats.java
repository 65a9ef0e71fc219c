package org.templar.client.miner;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A snapshot of what the miner has done so far.
 *
 * @param hashes header hashes computed since start
 * @param hashrate hashes per second over the last statistics window (whole run before the first window)
 * @param hashratePerThread {@code hashrate / threads}: the figure to compare machines and JVMs by
 * @param rejectedByCode rejections by SV1 error code (20 other, 21 stale, 22 duplicate, 23 low difficulty, ...)
 * @param blocks shares that met the network target and that the pool accepted
 * @param lastBlockHash display-order hash of the last such block
 * @param discarded shares found on jobs the pool had already cancelled (clean_jobs), never sent
 */
public record MinerStats(long hashes, double hashrate, double hashratePerThread, long accepted, long rejected,
        Map<Integer, Long> rejectedByCode, long blocks, Optional<String> lastBlockHash, long discarded,
        Duration uptime) {

    public MinerStats {
        rejectedByCode = Map.copyOf(rejectedByCode);
    }

    /** One log line: what a person watching the miner wants to see. */
    public String summary(int threads) {
        return String.format(Locale.ROOT, "hashrate %s (%d threads, %s per thread), accepted %d, rejected %d%s, blocks %d%s",
                human(hashrate), threads, human(hashratePerThread), accepted, rejected,
                rejectedByCode.isEmpty() ? "" : " " + new TreeMap<>(rejectedByCode), blocks,
                lastBlockHash.map(h -> " (last " + h + ")").orElse(""));
    }

    static String human(double hps) {
        String[] units = {"H/s", "kH/s", "MH/s", "GH/s", "TH/s"};
        int u = 0;
        while (hps >= 1000 && u < units.length - 1) {
            hps /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s", hps, units[u]);
    }
}
