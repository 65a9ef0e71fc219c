package org.templar.pool.core;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;

/**
 * Hands out 4-byte extranonce1 values unique among live connections, so that no two miners ever hash
 * the same coinbase. A reconnecting miner may ask for its previous value back (Stratum V1 session
 * resume); it gets it when no live connection holds it.
 */
public final class ExtranonceAllocator {
    public static final int SIZE = 4;

    private final Set<Integer> live = new HashSet<>();
    private int next;

    public ExtranonceAllocator() {
        this.next = new SecureRandom().nextInt();
    }

    public synchronized byte[] allocate() {
        while (live.contains(next)) {
            next++;
        }
        int v = next++;
        live.add(v);
        return toBytes(v);
    }

    /** Returns {@code wanted} if it is free (now taken), else a fresh value. */
    public synchronized byte[] resume(byte[] wanted) {
        if (wanted.length == SIZE) {
            int v = fromBytes(wanted);
            if (live.add(v)) {
                return wanted.clone();
            }
        }
        return allocate();
    }

    public synchronized void release(byte[] extranonce1) {
        live.remove(fromBytes(extranonce1));
    }

    public synchronized int liveCount() {
        return live.size();
    }

    private static byte[] toBytes(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static int fromBytes(byte[] b) {
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }
}
