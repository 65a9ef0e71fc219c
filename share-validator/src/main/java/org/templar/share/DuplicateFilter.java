package org.templar.share;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Exact duplicate detection for one job. Keyed on the header hash, which commits to everything a
 * miner varies (extranonce via the merkle root, ntime, nonce and rolled version bits), so two
 * different submissions can only collide by a SHA-256d collision: no false positives, unlike a
 * Bloom filter.
 *
 * <p>Bounded and allocation-free: an open-addressing table (linear probing) of the full 32-byte
 * hashes in one {@code long[]}, sized at creation for {@code capacity} entries at a load factor of
 * at most 1/2, i.e. 64 to 128 bytes of heap per share it can hold (at most 2^22 shares). Thread-safe (sessions of many event
 * loops share a job) with one uncontended-cheap monitor; {@link #clear()} when the job is retired,
 * or drop the filter with the job.
 */
public final class DuplicateFilter {
    private static final VarHandle LE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final int capacity;
    private final int mask;
    /** 4 longs per slot; an all-zero slot is empty (the all-zero hash is tracked by {@link #zeroSeen}). */
    private final long[] table;
    private boolean zeroSeen;
    private int size;

    public DuplicateFilter(int capacity) {
        if (capacity < 1 || capacity > (1 << 22)) {
            throw new IllegalArgumentException("capacity must be 1..2^22, got " + capacity);
        }
        this.capacity = capacity;
        int slots = Integer.highestOneBit(capacity) << 2; // >= 2 * capacity
        this.mask = slots - 1;
        this.table = new long[4 * slots];
    }

    /**
     * Records the share; returns false when it was already recorded (a duplicate). When the filter
     * is full it refuses to record more (returns false) rather than forget: the caller treats that as
     * a duplicate-equivalent rejection and should have retired the job long before.
     */
    public boolean firstSeen(byte[] hash) {
        if (hash.length != 32) {
            throw new IllegalArgumentException("a header hash is 32 bytes, got " + hash.length);
        }
        long a = (long) LE_LONG.get(hash, 0);
        long b = (long) LE_LONG.get(hash, 8);
        long c = (long) LE_LONG.get(hash, 16);
        long d = (long) LE_LONG.get(hash, 24);
        // The low-order bytes are the uniformly random part of a share hash (the high ones are zeros).
        int slot = (int) (a ^ (a >>> 32)) & mask;
        synchronized (this) {
            if ((a | b | c | d) == 0) {
                if (zeroSeen || size >= capacity) {
                    return false;
                }
                zeroSeen = true;
                size++;
                return true;
            }
            long[] t = table;
            while (true) {
                int i = 4 * slot;
                long x = t[i], y = t[i + 1], z = t[i + 2], w = t[i + 3];
                if ((x | y | z | w) == 0) {
                    if (size >= capacity) {
                        return false;
                    }
                    t[i] = a;
                    t[i + 1] = b;
                    t[i + 2] = c;
                    t[i + 3] = d;
                    size++;
                    return true;
                }
                if (x == a && y == b && z == c && w == d) {
                    return false;
                }
                slot = (slot + 1) & mask;
            }
        }
    }

    /** True if {@code hash} was recorded (does not record it). */
    public synchronized boolean contains(byte[] hash) {
        long a = (long) LE_LONG.get(hash, 0);
        long b = (long) LE_LONG.get(hash, 8);
        long c = (long) LE_LONG.get(hash, 16);
        long d = (long) LE_LONG.get(hash, 24);
        if ((a | b | c | d) == 0) {
            return zeroSeen;
        }
        int slot = (int) (a ^ (a >>> 32)) & mask;
        while (true) {
            int i = 4 * slot;
            long x = table[i], y = table[i + 1], z = table[i + 2], w = table[i + 3];
            if ((x | y | z | w) == 0) {
                return false;
            }
            if (x == a && y == b && z == c && w == d) {
                return true;
            }
            slot = (slot + 1) & mask;
        }
    }

    public synchronized int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    /** Forgets everything (the job was retired); keeps the memory for reuse. */
    public synchronized void clear() {
        java.util.Arrays.fill(table, 0L);
        zeroSeen = false;
        size = 0;
    }
}
