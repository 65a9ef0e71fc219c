package org.templar.share.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.templar.share.JobWork;
import org.templar.share.ShareCheck;
import org.templar.share.ShareHasher;

/**
 * Re-verifies a recorded share log ({@link ShareLog} format) on all cores: recomputes every share's
 * header hash from its job and submission fields and compares it with the recorded hash.
 *
 * <p>One reader thread parses job lines itself (a job must precede its shares) and hands share
 * lines in batches to a fixed pool of workers, each with its own {@link ShareHasher}; at most two
 * batches per worker are in flight, so memory stays bounded however long the log is.
 */
public final class ShareLogVerifier {
    static final int BATCH = 4096;
    static final int MAX_PROBLEMS = 20;

    private final int threads;

    public ShareLogVerifier() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public ShareLogVerifier(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1");
        }
        this.threads = threads;
    }

    public AuditReport verify(Path log) throws IOException, InterruptedException {
        try (BufferedReader r = Files.newBufferedReader(log, StandardCharsets.US_ASCII)) {
            return verify(r);
        }
    }

    public AuditReport verify(BufferedReader in) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Map<String, JobWork> jobs = new ConcurrentHashMap<>();
        LongAdder verified = new LongAdder();
        LongAdder mismatched = new LongAdder();
        LongAdder malformed = new LongAdder();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        ThreadLocal<ShareHasher> hashers = ThreadLocal.withInitial(ShareHasher::new);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "share-audit");
            t.setDaemon(true);
            return t;
        });
        Semaphore inFlight = new Semaphore(2 * threads);
        long jobCount = 0;
        long shares = 0;
        long lineNo = 0;
        try {
            String[] batch = new String[BATCH];
            long[] lineNos = new long[BATCH];
            int n = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isEmpty() || line.charAt(0) == '#') {
                    continue;
                }
                if (line.startsWith("share ")) {
                    batch[n] = line;
                    lineNos[n] = lineNo;
                    n++;
                    shares++;
                    if (n == BATCH) {
                        submit(pool, inFlight, batch, lineNos, n, jobs, hashers, verified, mismatched, malformed,
                                problems);
                        batch = new String[BATCH];
                        lineNos = new long[BATCH];
                        n = 0;
                    }
                } else if (line.startsWith("job ")) {
                    try {
                        ShareLog.JobRecord job = ShareLog.parseJob(line);
                        jobs.put(job.id(), job.work());
                        jobCount++;
                    } catch (RuntimeException e) {
                        malformed.increment();
                        problem(problems, lineNo, "bad job record: " + e.getMessage());
                    }
                } else {
                    malformed.increment();
                    problem(problems, lineNo, "neither a job nor a share record");
                }
            }
            if (n > 0) {
                submit(pool, inFlight, batch, lineNos, n, jobs, hashers, verified, mismatched, malformed, problems);
            }
            inFlight.acquire(2 * threads); // every batch done
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        List<String> sorted = new ArrayList<>(problems);
        sorted.sort((a, b) -> Long.compare(lineOf(a), lineOf(b)));
        return new AuditReport(jobCount, shares, verified.sum(), mismatched.sum(), malformed.sum(),
                List.copyOf(sorted.subList(0, Math.min(MAX_PROBLEMS, sorted.size()))),
                Duration.ofNanos(System.nanoTime() - start));
    }

    private static void submit(ExecutorService pool, Semaphore inFlight, String[] lines, long[] lineNos, int n,
            Map<String, JobWork> jobs, ThreadLocal<ShareHasher> hashers, LongAdder verified, LongAdder mismatched,
            LongAdder malformed, List<String> problems) throws InterruptedException {
        inFlight.acquire();
        pool.execute(() -> {
            try {
                ShareHasher hasher = hashers.get();
                long ok = 0;
                for (int i = 0; i < n; i++) {
                    ShareLog.ShareRecord s;
                    try {
                        s = ShareLog.parseShare(lines[i]);
                    } catch (RuntimeException e) {
                        malformed.increment();
                        problem(problems, lineNos[i], "bad share record: " + e.getMessage());
                        continue;
                    }
                    JobWork job = jobs.get(s.jobId());
                    if (job == null) {
                        malformed.increment();
                        problem(problems, lineNos[i], "share of unknown job " + s.jobId());
                        continue;
                    }
                    ShareCheck c;
                    try {
                        c = hasher.check(job, s.extranonce1(), s.extranonce2(), s.ntime(), s.nonce(), s.version());
                    } catch (RuntimeException e) {
                        malformed.increment();
                        problem(problems, lineNos[i], e.getMessage());
                        continue;
                    }
                    if (Arrays.equals(c.hash(), s.hash())) {
                        ok++;
                    } else {
                        mismatched.increment();
                        problem(problems, lineNos[i], "hash mismatch");
                    }
                }
                verified.add(ok);
            } finally {
                inFlight.release();
            }
        });
    }

    private static void problem(List<String> problems, long line, String what) {
        if (problems.size() < 10 * MAX_PROBLEMS) {
            problems.add("line " + line + ": " + what);
        }
    }

    private static long lineOf(String problem) {
        return Long.parseLong(problem.substring(5, problem.indexOf(':')));
    }

    /** {@code java -cp share-validator.jar org.templar.share.audit.ShareLogVerifier LOG [THREADS]}. */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ShareLogVerifier <share log> [threads]");
            System.exit(2);
        }
        ShareLogVerifier v = args.length > 1 ? new ShareLogVerifier(Integer.parseInt(args[1])) : new ShareLogVerifier();
        AuditReport r = v.verify(Path.of(args[0]));
        System.out.printf("jobs %d shares %d verified %d mismatched %d malformed %d in %.1f s (%.0f shares/s)%n",
                r.jobs(), r.shares(), r.verified(), r.mismatched(), r.malformed(), r.elapsed().toNanos() / 1e9,
                r.sharesPerSecond());
        r.problems().forEach(System.out::println);
        System.exit(r.clean() ? 0 : 1);
    }
}
