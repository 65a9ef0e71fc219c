package org.templar.client.miner;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Share outcomes, shared between the connection's event loop (writes) and anyone reading stats or
 * waiting for a count (tests, the CLI). Outcomes are rare next to hashes, so a monitor is plenty.
 */
final class MinerCounters {
    private long accepted;
    private long rejected;
    private final Map<Integer, Long> rejectedByCode = new HashMap<>();
    private long blocks;
    private String lastBlockHash;
    private long discarded;
    private boolean stopped;

    synchronized void accepted(FoundShare share) {
        accepted++;
        if (share.meetsNetworkTarget()) {
            blocks++;
            lastBlockHash = share.hashHex();
        }
        notifyAll();
    }

    synchronized void rejected(int code) {
        rejected++;
        rejectedByCode.merge(code, 1L, Long::sum);
        notifyAll();
    }

    synchronized void discarded() {
        discarded++;
    }

    synchronized long accepted() {
        return accepted;
    }

    synchronized long blocks() {
        return blocks;
    }

    synchronized MinerStats snapshot(long hashes, double hashrate, int threads, Duration uptime) {
        return new MinerStats(hashes, hashrate, hashrate / threads, accepted, rejected, rejectedByCode, blocks,
                Optional.ofNullable(lastBlockHash), discarded, uptime);
    }

    /** Waits until {@code accepted >= n}; false on timeout. */
    boolean awaitAccepted(long n, Duration timeout) throws InterruptedException {
        return await(timeout, () -> accepted >= n);
    }

    boolean awaitBlocks(long n, Duration timeout) throws InterruptedException {
        return await(timeout, () -> blocks >= n);
    }

    private synchronized boolean await(Duration timeout, java.util.function.BooleanSupplier done)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (stopped) {
                return false; // nothing more will come
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            long ms = Math.max(1, left / 1_000_000);
            wait(ms);
        }
        return true;
    }

    /** The miner stopped: waiters return at once instead of sleeping out their timeout. */
    synchronized void stopped() {
        stopped = true;
        notifyAll();
    }
}
