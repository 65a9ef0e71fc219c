package org.templar.pool.core;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.templar.share.ExtranoncePrefix;

/**
 * Hands out 4-byte extranonce1 values unique among live connections, so that no two miners ever hash
 * the same coinbase. A reconnecting miner may ask for its previous value back (Stratum V1 session
 * resume); it gets it when no live connection holds it.
 *
 * <p>Several pool instances sharing one ledger must never hand out the same value either: each gets an
 * instance number from the database, and an allocator made with {@link #forInstance} puts that number
 * into the top {@link #INSTANCE_BITS} bits of every value (SV1 extranonce1 and SV2 channel prefixes
 * alike), counting only in the remaining bits. Disjoint high bits make collisions between instances
 * impossible, whatever each one's counter does. That allows {@link #MAX_INSTANCES} instances with
 * 2^26 (about 67 million) live connections or channels each.
 */
public final class ExtranonceAllocator {
    public static final int SIZE = 4;
    /** Top bits of every extranonce1 that name the pool instance (see {@link #forInstance}). */
    public static final int INSTANCE_BITS = 6;
    public static final int MAX_INSTANCES = 1 << INSTANCE_BITS;

    private final Set<Integer> live = new HashSet<>();
    /** Fixed high bits of every value handed out. */
    private final int base;
    /** Bits the counter may use. */
    private final int mask;
    private int next;

    /** A lone pool (or proxy): the whole 32-bit space, starting at a random point. */
    public ExtranonceAllocator() {
        this(0, -1);
    }

    private ExtranonceAllocator(int base, int mask) {
        this.base = base;
        this.mask = mask;
        this.next = new SecureRandom().nextInt() & mask;
    }

    /** Values whose top {@link #INSTANCE_BITS} bits are {@code instance}, 0 &lt;= instance &lt; {@link #MAX_INSTANCES}. */
    public static ExtranonceAllocator forInstance(int instance) {
        if (instance < 0 || instance >= MAX_INSTANCES) {
            throw new IllegalArgumentException("instance " + instance + " is not in 0.." + (MAX_INSTANCES - 1));
        }
        return new ExtranonceAllocator(instance << (32 - INSTANCE_BITS), -1 >>> INSTANCE_BITS);
    }

    /** The instance number of a value from {@link #forInstance}. */
    public static int instanceOf(ExtranoncePrefix extranonce1) {
        return extranonce1.toInt() >>> (32 - INSTANCE_BITS);
    }

    public synchronized ExtranoncePrefix allocate() {
        // the search below ends: some value is free
        if (live.size() >= (mask & 0xffffffffL) + 1) {
            throw new IllegalStateException("extranonce1 space of this instance is exhausted");
        }
        while (live.contains(base | next)) {
            next = (next + 1) & mask;
        }
        int v = base | next;
        next = (next + 1) & mask;
        live.add(v);
        return ExtranoncePrefix.ofInt(v);
    }

    /**
     * Returns {@code wanted} if it is free (now taken), else a fresh value. A value of another instance
     * (the miner was on another instance before) is never taken: that instance may still hand it out.
     */
    public synchronized ExtranoncePrefix resume(ExtranoncePrefix wanted) {
        if (wanted.size() == SIZE) {
            int v = wanted.toInt();
            if ((v & ~mask) == base && live.add(v)) {
                return wanted;
            }
        }
        return allocate();
    }

    public synchronized void release(ExtranoncePrefix extranonce1) {
        live.remove(extranonce1.toInt());
    }

    public synchronized int liveCount() {
        return live.size();
    }
}
