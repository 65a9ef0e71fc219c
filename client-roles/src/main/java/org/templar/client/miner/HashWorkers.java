package org.templar.client.miner;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.share.ShareCheck;
import org.templar.share.ShareHasher;

/**
 * The hashing threads. They know nothing of sockets or JSON: they read the latest published
 * {@link MinerJob} (one volatile read every {@value #CHECK_EVERY} hashes, so a clean_jobs notify stops
 * stale work within about a millisecond) and hand shares that meet the job's share target to a sink.
 *
 * <p>Search order: the full nonce range for one (extranonce2, ntime, version); when it is exhausted the
 * rolled version bits move first (no merkle root to recompute), then extranonce2. Threads split the
 * (extranonce2, version) units by stride, so no two threads ever hash the same header; when a job has fewer
 * units than threads, the threads on a unit split its nonce range.
 */
final class HashWorkers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HashWorkers.class);
    private static final int CHECK_EVERY = 1024;

    /** Receives shares on the hashing thread; must hand them off quickly. */
    interface ShareSink {
        void found(FoundShare share);
    }

    private final Thread[] threads;
    private final AtomicLongArray hashes;
    private final ShareSink sink;
    private final long noncesPerRoll;
    private final Object idle = new Object();
    private volatile MinerJob current;
    private volatile boolean running = true;

    /**
     * @param nonceBits size of the nonce range searched per (extranonce2, ntime, version): 32 for real
     *     mining; tests use fewer to exercise version and extranonce2 rolling in seconds
     */
    HashWorkers(int threadCount, int nonceBits, ShareSink sink) {
        if (nonceBits < 10 || nonceBits > 32) {
            throw new IllegalArgumentException("nonce bits must be 10..32, got " + nonceBits);
        }
        this.sink = sink;
        this.noncesPerRoll = 1L << nonceBits;
        this.hashes = new AtomicLongArray(threadCount);
        this.threads = new Thread[threadCount];
        for (int i = 0; i < threadCount; i++) {
            int index = i;
            Thread t = new Thread(() -> run(index), "templar-hash-" + i);
            t.setDaemon(true);
            // Hashing must not starve the event loop that submits its shares and reads new jobs.
            t.setPriority(Thread.MIN_PRIORITY);
            threads[i] = t;
        }
    }

    void start() {
        for (Thread t : threads) {
            t.start();
        }
    }

    /** Switch every thread to this job (null: stop hashing until the next job). */
    void publish(MinerJob job) {
        current = job;
        synchronized (idle) {
            idle.notifyAll();
        }
    }

    MinerJob current() {
        return current;
    }

    int threadCount() {
        return threads.length;
    }

    long totalHashes() {
        long sum = 0;
        for (int i = 0; i < hashes.length(); i++) {
            sum += hashes.get(i);
        }
        return sum;
    }

    @Override
    public void close() {
        running = false;
        publish(null);
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void run(int index) {
        // No merkle-root cache: a miner computes each root once per extranonce2 and never looks it up again.
        ShareHasher hasher = new ShareHasher(0);
        while (running) {
            MinerJob job = current;
            if (job == null) {
                idleWhile(null);
                continue;
            }
            try {
                mine(index, job, hasher);
            } catch (RuntimeException e) {
                // A bug on one job must not kill the thread for every later job.
                LOG.error("hashing thread {} failed on {}", index, job, e);
                idleWhile(job);
            }
        }
    }

    private void mine(int index, MinerJob job, ShareHasher hasher) {
        long versionSpace = job.versionSpace();
        long en2Space = job.extranonce2Space();
        // Work units are (extranonce2, version bits) pairs, version bits varying fastest; thread i takes
        // units i, i+T, i+2T... so threads never overlap, even when extranonce2 has a single value.
        long units = en2Space > Long.MAX_VALUE / versionSpace ? Long.MAX_VALUE : en2Space * versionSpace;
        int threadCount = threads.length;
        long firstUnit = index;
        long step = threadCount;
        long nonceFrom = 0;
        long nonceTo = noncesPerRoll;
        if (units < threadCount) {
            // Fewer units than threads (header-only work without version rolling, an empty extranonce2): the
            // threads on one unit split its nonce range instead of idling. Thread i works unit i % units.
            firstUnit = index % units;
            step = units; // one unit per thread
            long sharing = (threadCount - firstUnit + units - 1) / units; // threads on this unit
            long slice = index / units;
            nonceFrom = noncesPerRoll * slice / sharing;
            nonceTo = noncesPerRoll * (slice + 1) / sharing;
        }
        int ntime = job.ntime();
        long rootFor = -1;
        byte[] en2 = null;
        byte[] root = null;
        for (long unit = firstUnit; unit < units && unit >= 0; unit += step) {
            long en2Counter = unit / versionSpace;
            if (en2Counter != rootFor) {
                en2 = job.extranonce2(en2Counter);
                // The merkle root depends only on the coinbase, i.e. on extranonce2: once per extranonce2,
                // then bare headers below it.
                // Header-only work (SV2 standard channel): the pool fixed the root, nothing to build.
                root = job.headerOnly() ? job.fixedMerkleRoot()
                        : hasher.check(job.work(), job.extranonce1Bytes(), en2, ntime, 0, job.work().version())
                                .merkleRootCopy();
                rootFor = en2Counter;
            }
            int bits = job.versionBits(unit % versionSpace);
            int version = job.rolledVersion(bits);
            for (long n = nonceFrom; n < nonceTo; n++) {
                ShareCheck c = hasher.checkHeader(job.work(), root, ntime, (int) n, version);
                if (c.meets(job.shareTarget())) {
                    sink.found(new FoundShare(job, en2.clone(), ntime, (int) n, bits, c.hashCopy(),
                            c.meets(job.work().networkTarget())));
                }
                if ((n & (CHECK_EVERY - 1)) == CHECK_EVERY - 1) {
                    hashes.addAndGet(index, CHECK_EVERY);
                    if (current != job || !running) {
                        return;
                    }
                }
            }
        }
        // This thread's part of the search space is used up: nothing left but to wait for a new job.
        LOG.debug("thread {} exhausted job {}", index, job.jobId());
        idleWhile(job);
    }

    private void idleWhile(MinerJob job) {
        synchronized (idle) {
            while (running && current == job) {
                try {
                    idle.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                    return;
                }
            }
        }
    }
}
