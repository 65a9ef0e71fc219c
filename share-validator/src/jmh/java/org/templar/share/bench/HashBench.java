package org.templar.share.bench;

import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.templar.share.Sha256Compressor;

/**
 * Runs {@link HashBenchmarks} (one fork, short iterations: about a minute and a half on 2 cores) and
 * prints one line per figure, {@code <name> <value> <unit> ratio=<r>}, each figure as a ratio of the
 * machine's SHA-256 compression rate (the "ceiling"), so the numbers mean the same on any machine.
 *
 * <p>Usage: {@code java -jar share-validator-bench.jar [sha256 bytes/s from openssl speed]}; without
 * the argument the ceiling is the JDK's own bulk SHA-256 rate on 16 KiB buffers.
 */
public final class HashBench {
    private HashBench() {}

    public static void main(String[] args) throws Exception {
        double opensslBytesPerSecond = args.length > 0 ? Double.parseDouble(args[0]) : -1;
        java.nio.file.Path cpuFile = java.nio.file.Files.createTempFile("templar-bench-cpu", ".txt");
        Options opt = new OptionsBuilder()
                .include(HashBenchmarks.class.getName() + "\\.")
                .forks(1)
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(3)
                .measurementTime(TimeValue.seconds(2))
                .jvmArgsAppend("--add-opens=java.base/sun.security.provider=ALL-UNNAMED", "-Xmx768m",
                        "-Dtemplar.bench.cpu=" + cpuFile)
                .addProfiler(GCProfiler.class)
                .verbosity(VerboseMode.SILENT)
                .build();
        System.err.println("running JMH (1 fork, 3x1s warmup, 3x2s measurement per benchmark)...");
        Collection<RunResult> results = new Runner(opt).run();
        Map<String, Double> wall = new HashMap<>();
        Map<String, Double> alloc = new HashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            wall.put(name, r.getPrimaryResult().getScore());
            Result<?> gc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            alloc.put(name, gc == null ? Double.NaN : gc.getScore());
        }
        // operations per second of benchmark-thread CPU time (see CpuClock): the figures below
        Map<String, long[]> cpu = new HashMap<>();
        for (String l : java.nio.file.Files.readAllLines(cpuFile)) {
            String[] f = l.split(" ");
            long[] acc = cpu.computeIfAbsent(f[0], k -> new long[3]);
            acc[0] += Long.parseLong(f[1]);
            acc[1] += Long.parseLong(f[2]);
            acc[2] += Long.parseLong(f[3]);
        }
        java.nio.file.Files.deleteIfExists(cpuFile);
        Map<String, Double> score = new HashMap<>();
        for (Map.Entry<String, Double> e : wall.entrySet()) {
            long[] c = cpu.get(e.getKey());
            score.put(e.getKey(), c != null && c[1] > 0 ? c[0] / (c[1] / 1e9) : e.getValue());
        }
        double ceilingBytes = opensslBytesPerSecond > 0 ? opensslBytesPerSecond
                : score.get("bulkSha256of16KiB") * 16384;
        String ceilingSource = opensslBytesPerSecond > 0 ? "openssl" : "jdk-bulk";
        double ceiling = ceilingBytes / 64; // compressions per second
        int perShare = HashBenchmarks.job(60).compressionsPerShare();

        line("sha256_ceiling_" + ceilingSource, ceiling, "compressions/s", 1.0);
        line("jdk_bulk_sha256", score.get("bulkSha256of16KiB") * 257, "compressions/s",
                score.get("bulkSha256of16KiB") * 257 / ceiling);
        double header = score.get("headerSha256d");
        line("header_sha256d", header, "headers/s", header * 2 / ceiling);
        line("header_sha256d_version_rolled", score.get("headerSha256dVersionRolled"), "headers/s",
                score.get("headerSha256dVersionRolled") * 2 / ceiling);
        line("header_sha256d_digest_engine", score.get("headerSha256dDigestEngine"), "headers/s",
                score.get("headerSha256dDigestEngine") * 2 / ceiling);
        double uncached = score.get("shareUncached");
        line("share_12level_uncached", uncached, "shares/s", uncached * perShare / ceiling);
        line("share_12level_uncached_digest_engine", score.get("shareUncachedDigestEngine"), "shares/s",
                score.get("shareUncachedDigestEngine") * perShare / ceiling);
        double cached = score.get("shareCached");
        line("share_12level_cached", cached, "shares/s", cached * 3 / ceiling);
        line("share_cached_over_uncached", cached / uncached, "x", cached / uncached);
        double dup = score.get("duplicateCheck");
        line("duplicate_check", dup, "checks/s", dup / ceiling);
        for (String[] a : new String[][] {{"share_uncached", "shareUncached"}, {"share_cached", "shareCached"},
                {"header", "headerSha256d"}, {"duplicate_check", "duplicateCheck"}}) {
            double gcNorm = alloc.get(a[1]);
            long[] c = cpu.get(a[1]);
            double exact = c == null ? Double.NaN : (double) c[2] / c[0];
            line("alloc_per_" + a[0] + "_prof_gc", gcNorm, "B/op", gcNorm);
            line("alloc_per_" + a[0] + "_thread", exact, "B/op", exact);
        }
        // the prefix-midstate experiment: 358-byte coinbase, 3 whole prefix blocks, 3 blocks after them
        line("coinbase_no_midstate_digest", score.get("coinbaseDigestNoMidstate"), "coinbases/s",
                score.get("coinbaseDigestNoMidstate") * 6 / ceiling);
        line("coinbase_midstate_digest_clone", score.get("coinbaseDigestClone"), "coinbases/s",
                score.get("coinbaseDigestClone") * 3 / ceiling);
        line("coinbase_midstate_java_compress", score.get("coinbaseJavaMidstate"), "coinbases/s",
                score.get("coinbaseJavaMidstate") * 3 / ceiling);
        if (Sha256Compressor.INTRINSIC) {
            line("coinbase_midstate_intrinsic_compress", score.get("coinbaseIntrinsicMidstate"), "coinbases/s",
                    score.get("coinbaseIntrinsicMidstate") * 3 / ceiling);
        }
        line("alloc_coinbase_midstate_digest_clone", alloc.get("coinbaseDigestClone"), "B/op",
                alloc.get("coinbaseDigestClone"));
        audit(ceiling, perShare);
        StringBuilder w = new StringBuilder("# JMH wall-clock ops/s (shared, loaded cores):");
        new java.util.TreeMap<>(wall).forEach((k, v) -> w.append(String.format(Locale.ROOT, " %s=%.0f", k, v)));
        System.out.println(w);
        System.out.printf(Locale.ROOT, "# figures are per second of benchmark-thread CPU time (openssl speed also counts"
                + " user CPU time)%n");
        System.out.printf(Locale.ROOT, "# ceiling = %s sha256 bytes/s / 64; a header counts 2 compressions, a share %d"
                + " (coinbase 4+1, 12 levels x 3, header 3), a cached share 3 (header with rolled version); alloc ratios are the B/op themselves; _prof_gc = JMH -prof gc gc.alloc.rate.norm (all threads of the fork, incl. the harness), _thread = the benchmark thread's exact allocation counter%n",
                ceilingSource, perShare);
    }

    /**
     * Batch re-verification of a recorded share log on all cores (not JMH: a whole-process figure,
     * wall clock, including parsing). 400,000 shares on one 12-level job family.
     */
    private static void audit(double ceiling, int perShare) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        java.nio.file.Path log = java.nio.file.Files.createTempFile("templar-share-log", ".txt");
        try {
            org.templar.share.JobWork job = HashBenchmarks.job(60);
            org.templar.share.ShareHasher h = new org.templar.share.ShareHasher(0);
            byte[] en1 = {1, 2, 3, 4};
            int n = 400_000;
            try (java.io.BufferedWriter w = java.nio.file.Files.newBufferedWriter(log)) {
                w.write(org.templar.share.audit.ShareLog.formatJob("j", job));
                w.newLine();
                for (int i = 0; i < n; i++) {
                    byte[] en2 = {(byte) i, (byte) (i >>> 8), (byte) (i >>> 16), 0};
                    org.templar.share.ShareCheck c = h.check(job, en1, en2, 0x65000000, i, 0x20000000);
                    w.write(org.templar.share.audit.ShareLog.formatShare("j", en1, en2, 0x65000000, i, 0x20000000,
                            c.hash()));
                    w.newLine();
                }
            }
            org.templar.share.audit.ShareLogVerifier v = new org.templar.share.audit.ShareLogVerifier(cores);
            v.verify(log); // warm-up pass
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            org.templar.share.audit.AuditReport r = v.verify(log);
            double cpuSeconds = (os.getProcessCpuTime() - cpu0) / 1e9;
            if (!r.clean() || r.verified() != n) {
                throw new IllegalStateException("audit of a clean log failed: " + r);
            }
            line("audit_reverify_" + cores + "cores_wall", r.sharesPerSecond(), "shares/s",
                    r.sharesPerSecond() * perShare / (ceiling * cores));
            double perCpu = n / cpuSeconds; // includes parsing the text log and this JVM's GC and JIT threads
            line("audit_reverify_per_cpu_second", perCpu, "shares/cpu-s", perCpu * perShare / ceiling);
        } finally {
            java.nio.file.Files.deleteIfExists(log);
        }
    }

    private static void line(String name, double value, String unit, double ratio) {
        String v = value >= 1000 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.3f", value);
        System.out.printf(Locale.ROOT, "%s %s %s ratio=%.3f%n", name, v, unit, ratio);
    }
}
