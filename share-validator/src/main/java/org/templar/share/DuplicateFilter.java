package org.templar.share;

import java.util.HashSet;
import java.util.Set;

/**
 * Exact duplicate detection for one job. Keyed on the header hash, which commits to everything a
 * miner varies (extranonce via the merkle root, ntime, nonce and rolled version bits), so two
 * different submissions can only collide by a SHA-256d collision. Thread-safe (sessions of many event
 * loops share a job); discarded with the job.
 */
public final class DuplicateFilter {
    private final Set<HashKey> seen = new HashSet<>();
    private final int capacity;

    public DuplicateFilter(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Records the share; returns false when it was already recorded (a duplicate). When the filter
     * is full it refuses to record more (returns false) rather than forget: the caller treats that as
     * a duplicate-equivalent rejection and should have retired the job long before.
     */
    public synchronized boolean firstSeen(byte[] hash) {
        HashKey k = new HashKey(hash);
        if (seen.contains(k)) {
            return false;
        }
        if (seen.size() >= capacity) {
            return false;
        }
        seen.add(k);
        return true;
    }

    public synchronized int size() {
        return seen.size();
    }

    private record HashKey(long a, long b, long c, long d) {
        HashKey(byte[] h) {
            this(read(h, 0), read(h, 8), read(h, 16), read(h, 24));
        }

        private static long read(byte[] h, int off) {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (h[off + i] & 0xffL);
            }
            return v;
        }
    }
}
