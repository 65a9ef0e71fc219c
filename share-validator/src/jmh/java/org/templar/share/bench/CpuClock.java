package org.templar.share.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Operations per second of the benchmark thread's own CPU time, next to JMH's wall-clock score.
 *
 * <p>Why: the benchmark machine is 2 cores shared by several busy builds (load average above 10),
 * so wall-clock throughput mostly measures how much of a core the scheduler handed out. `openssl
 * speed` reports per user-CPU second too, so ratios of CPU-time rates compare like with like. Each
 * benchmark counts its operations in {@link #ops}; measurement iterations are appended to the file
 * named by {@code -Dtemplar.bench.cpu}.
 */
@State(Scope.Thread)
public class CpuClock {
    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    public long ops;
    private long cpuStart;
    private boolean measuring;
    private String name;
    private long totalOps;
    private long totalCpu;
    private long allocStart;
    private long totalAlloc;

    @Setup(Level.Iteration)
    public void start(BenchmarkParams bp, IterationParams ip) {
        name = bp.getBenchmark().substring(bp.getBenchmark().lastIndexOf('.') + 1);
        measuring = ip.getType() == IterationType.MEASUREMENT;
        ops = 0;
        allocStart = MX.getThreadAllocatedBytes(Thread.currentThread().getId());
        cpuStart = MX.getCurrentThreadCpuTime();
    }

    @TearDown(Level.Iteration)
    public void stop() {
        long cpu = MX.getCurrentThreadCpuTime() - cpuStart;
        // exact bytes allocated by the benchmark thread alone (JMH's -prof gc sums every thread)
        long alloc = MX.getThreadAllocatedBytes(Thread.currentThread().getId()) - allocStart;
        if (measuring) {
            totalOps += ops;
            totalCpu += cpu;
            totalAlloc += alloc;
        }
    }

    /** Written once after the last iteration, so that no iteration's allocation figure includes it. */
    @TearDown(Level.Trial)
    public void report() throws IOException {
        String file = System.getProperty("templar.bench.cpu");
        if (file != null && totalCpu > 0) {
            Files.writeString(Path.of(file), name + " " + totalOps + " " + totalCpu + " " + totalAlloc + "\n", StandardCharsets.US_ASCII,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}
