package org.templar.payout.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.templar.payout.Ledger;
import org.templar.payout.LedgerConfig;
import org.templar.payout.ShareRecord;

/**
 * Issue 10's durable share rate: shares per second through the ledger's writer ({@link
 * Ledger#recordShare}, group commit, acknowledged only once committed and synced), without Stratum
 * in front of it (that is {@code ./templar bench shares}). Producers keep {@code --in-flight} shares
 * outstanding in all, as sessions waiting for their acknowledgements do.
 *
 * <pre>
 *   ./templar bench ledger [--seconds 20] [--warmup 30] [--runs 1] [--in-flight 20000] [--workers 1000] [--writers N] [--max-batch 1000] [--postgres-only]
 * </pre>
 * H2 on disk in a temporary directory ({@link LedgerConfig#embedded}: a sync per commit), and
 * PostgreSQL when TEMPLAR_TEST_POSTGRES_URL (with _USER and _PASSWORD) is set (its own settings decide
 * durability; Debian's default has {@code synchronous_commit = on} and {@code fsync = on}).
 */
public final class LedgerWriterBench {
    private LedgerWriterBench() {}

    public static void main(String[] args) throws Exception {
        int seconds = 20;
        // C2 keeps compiling H2's write path for about half a minute, on a core of its own: runs after
        // a 3 s warm-up measured the compiler as much as the ledger (docs/BENCHMARKS.md).
        int warmup = 30;
        int runs = 1;
        int inFlight = 20_000;
        int workers = 1_000;
        int writers = 0; // 0: the database's default (LedgerConfig.defaultWriters)
        int maxBatch = LedgerConfig.DEFAULT_MAX_BATCH;
        boolean postgresOnly = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--in-flight" -> inFlight = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--writers" -> writers = Integer.parseInt(args[++i]);
                case "--max-batch" -> maxBatch = Integer.parseInt(args[++i]);
                case "--postgres-only" -> postgresOnly = true;
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf("%d s measured after %d s warm-up, %,d shares in flight, %,d workers, %d run(s) per database%n",
                seconds, warmup, inFlight, workers, runs);
        if (!postgresOnly) {
            double[] rates = new double[runs];
            for (int r = 0; r < runs; r++) {
                Path dir = Files.createTempDirectory("templar-ledger-bench");
                try {
                    rates[r] = run("H2 (on disk, " + dir + ")", withWriters(LedgerConfig.embedded(dir), writers).withMaxBatch(maxBatch),
                            seconds, warmup, inFlight, workers);
                } finally {
                    // hundreds of MB per run: left behind, they fill /tmp
                    try (var files = Files.walk(dir)) {
                        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                    }
                }
            }
            printMedian("H2", rates);
        }
        if (BenchPostgres.configured()) {
            double[] rates = new double[runs];
            for (int r = 0; r < runs; r++) {
                String schema = "ledgerbench" + ProcessHandle.current().pid() + "_" + r;
                LedgerConfig pg = withWriters(BenchPostgres.freshSchema(schema).orElseThrow(), writers).withMaxBatch(maxBatch);
                rates[r] = run("PostgreSQL (schema " + schema + ")", pg, seconds, warmup, inFlight, workers);
            }
            printMedian("PostgreSQL", rates);
        }
    }

    private static void printMedian(String database, double[] rates) {
        if (rates.length > 1) {
            double[] sorted = rates.clone();
            java.util.Arrays.sort(sorted);
            double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
            System.out.printf("%s: median %,.0f durable shares/s over %d runs (lowest %,.0f, highest %,.0f)%n", database,
                    median, sorted.length, sorted[0], sorted[sorted.length - 1]);
        }
    }

    private static final String ZEROS = "0".repeat(64);

    /** A distinct 64-hex share hash, cheaply (the producer shares the two cores with the writer). */
    private static String hash(long n) {
        String hex = Long.toHexString(n);
        return ZEROS.substring(hex.length()) + hex;
    }

    /** {@code writers} of them (0: the database's default), with a pool that leaves two connections for the rest. */
    private static LedgerConfig withWriters(LedgerConfig config, int writers) {
        if (writers == 0) {
            return config;
        }
        return config.withPoolSize(Math.max(LedgerConfig.DEFAULT_POOL_SIZE, writers + 2)).withWriters(writers);
    }

    private static double run(String name, LedgerConfig config, int seconds, int warmup, int inFlight, int workers)
            throws Exception {
        try (Ledger ledger = Ledger.open(config)) {
            Semaphore window = new Semaphore(inFlight);
            AtomicLong acknowledged = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            Instant t0 = Instant.now();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + seconds);
            long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
            long ackedAtStart = -1;
            CpuByThread cpuAtStart = null;
            long n = 0;
            List<CompletableFuture<Void>> last = new ArrayList<>();
            while (System.nanoTime() < deadline) {
                if (ackedAtStart < 0 && System.nanoTime() >= measureFrom) {
                    ackedAtStart = acknowledged.get();
                    measureFrom = System.nanoTime();
                    cpuAtStart = CpuByThread.now();
                }
                if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                double difficulty = 1024.0 * (1 + n % 13);
                ShareRecord share = ShareRecord.of("acct" + (n % workers) + ".rig" + (n % 3), "j" + (n % 50), "c" + (n % 50),
                        difficulty, difficulty * 1.5, hash(n), false, ShareRecord.POOL, t0.plusNanos(n * 1_000));
                n++;
                CompletableFuture<Void> done;
                try {
                    done = ledger.recordShare(share);
                } catch (RuntimeException e) { // the queue is full: count it and go on
                    window.release();
                    failed.incrementAndGet();
                    continue;
                }
                done.whenComplete((ok, e) -> {
                    if (e == null) {
                        acknowledged.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                    window.release();
                });
            }
            long ackedAtEnd = acknowledged.get();
            CpuByThread cpu = CpuByThread.now().since(cpuAtStart);
            double elapsed = (System.nanoTime() - measureFrom) / 1e9;
            window.acquire(inFlight); // let the last ones finish before closing
            System.out.printf("%s, %d writer(s), batches of %d: %,.0f durable shares/s (%,d acknowledged in %.1f s; %,d refused or failed; "
                    + "%,d in all)%n", name, config.writers(), config.maxBatch(), (ackedAtEnd - ackedAtStart) / elapsed, ackedAtEnd - ackedAtStart, elapsed, failed.get(), acknowledged.get());
            System.out.println("  CPU per acknowledged share: "
                    + cpu.perShare(ackedAtEnd - ackedAtStart));
            return (ackedAtEnd - ackedAtStart) / elapsed;
        }
    }
}
