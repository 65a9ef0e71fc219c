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
 * <p>Bounded and allocation-free once grown: an open-addressing table (linear probing) of the full
 * 32-byte hashes in one {@code long[]}, load factor at most 1/2. It starts at 16 slots (512 bytes)
 * and doubles as shares arrive, up to the smallest power of two holding {@code capacity} at that
 * load (64 MiB for 2^20 shares): jobs that see few shares cost little, and a busy job stops
 * allocating after its last doubling. Thread-safe (sessions of many event loops share a job) with
 * one monitor; {@link #clear()} forgets the entries but keeps the table, so drop the filter with the
 * job when the job is retired to give the memory back.
 */
public final class DuplicateFilter {
    private static final VarHandle LE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * Small on purpose: a solo pool has one job per miner per template, most of which see a handful of
     * shares; the table doubles as shares arrive (amortized O(1), no allocation between doublings).
     */
    private static final int INITIAL_SLOTS = 16;

    private final int capacity;
    private final int maxSlots;
    private int mask;
    /** 4 longs per slot; an all-zero slot is empty (the all-zero hash is tracked by {@link #zeroSeen}). */
    private long[] table;
    private boolean zeroSeen;
    private int size;

    public DuplicateFilter(int capacity) {
        if (capacity < 1 || capacity > (1 << 24)) {
            throw new IllegalArgumentException("capacity must be 1..2^24, got " + capacity);
        }
        this.capacity = capacity;
        this.maxSlots = Integer.highestOneBit(2 * capacity - 1) << 1; // smallest power of two >= 2 * capacity
        int slots = Math.min(INITIAL_SLOTS, maxSlots);
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
        int h = (int) (a ^ (a >>> 32));
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
            int slot = h & mask;
            while (true) {
                int i = 4 * slot;
                long x = t[i], y = t[i + 1], z = t[i + 2], w = t[i + 3];
                if ((x | y | z | w) == 0) {
                    if (size >= capacity) {
                        return false;
                    }
                    if (2 * (size + 1) > mask + 1 && mask + 1 < maxSlots) {
                        grow();
                        t = table;
                        slot = h & mask;
                        continue; // find the free slot again in the bigger table
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

    /**
     * Forgets a recorded share, so the same header can be credited again: for a share the pool accepted
     * but could not make durable (ledger busy or failing), whose miner is told to resend it. Linear
     * probing with backward-shift deletion: entries after the freed slot move back when their home slot
     * allows, so lookups never need tombstones.
     *
     * @return true if the hash was recorded and is now forgotten
     */
    public boolean forget(byte[] hash) {
        if (hash.length != 32) {
            throw new IllegalArgumentException("a header hash is 32 bytes, got " + hash.length);
        }
        long a = (long) LE_LONG.get(hash, 0);
        long b = (long) LE_LONG.get(hash, 8);
        long c = (long) LE_LONG.get(hash, 16);
        long d = (long) LE_LONG.get(hash, 24);
        synchronized (this) {
            if ((a | b | c | d) == 0) {
                if (!zeroSeen) {
                    return false;
                }
                zeroSeen = false;
                size--;
                return true;
            }
            int hole = slotOf(a, b, c, d);
            if (hole < 0) {
                return false;
            }
            long[] t = table;
            int j = hole;
            while (true) {
                j = (j + 1) & mask;
                long x = t[4 * j];
                if ((x | t[4 * j + 1] | t[4 * j + 2] | t[4 * j + 3]) == 0) {
                    break;
                }
                int home = (int) (x ^ (x >>> 32)) & mask;
                // the entry at j may fill the hole only if its home is not cyclically within (hole, j]
                boolean homeBetween = hole <= j ? hole < home && home <= j : hole < home || home <= j;
                if (!homeBetween) {
                    System.arraycopy(t, 4 * j, t, 4 * hole, 4);
                    hole = j;
                }
            }
            t[4 * hole] = 0;
            t[4 * hole + 1] = 0;
            t[4 * hole + 2] = 0;
            t[4 * hole + 3] = 0;
            size--;
            return true;
        }
    }

    /** Doubles the table and re-inserts every entry (caller holds the monitor). */
    private void grow() {
        long[] old = table;
        int slots = 2 * (mask + 1);
        long[] t = new long[4 * slots];
        int m = slots - 1;
        for (int i = 0; i < old.length; i += 4) {
            long a = old[i];
            if ((a | old[i + 1] | old[i + 2] | old[i + 3]) == 0) {
                continue;
            }
            int slot = (int) (a ^ (a >>> 32)) & m;
            while ((t[4 * slot] | t[4 * slot + 1] | t[4 * slot + 2] | t[4 * slot + 3]) != 0) {
                slot = (slot + 1) & m;
            }
            System.arraycopy(old, i, t, 4 * slot, 4);
        }
        table = t;
        mask = m;
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
        return slotOf(a, b, c, d) >= 0;
    }

    /** The slot holding the (non-zero) hash a..d, or -1 (caller holds the monitor). */
    private int slotOf(long a, long b, long c, long d) {
        long[] t = table;
        int slot = (int) (a ^ (a >>> 32)) & mask;
        while (true) {
            int i = 4 * slot;
            long x = t[i], y = t[i + 1], z = t[i + 2], w = t[i + 3];
            if ((x | y | z | w) == 0) {
                return -1;
            }
            if (x == a && y == b && z == c && w == d) {
                return slot;
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

    /** Bytes of heap the table holds now (for metrics). */
    public synchronized long tableBytes() {
        return 8L * table.length;
    }

    /** Forgets every entry; keeps the table (and its memory) for reuse. */
    public synchronized void clear() {
        java.util.Arrays.fill(table, 0L);
        zeroSeen = false;
        size = 0;
    }
}
