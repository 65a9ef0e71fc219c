package org.templar.payout.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time by thread group, for a benchmark on a virtual machine whose host load cannot be seen:
 * a thread's CPU time does not grow while the host runs something else, so microseconds per share
 * compare two versions where shares per second swing by half between identical runs. "jvm" is the
 * process's CPU time not on any live Java thread (GC, JIT, threads that ended).
 */
final class CpuByThread {
    private final Map<String, Long> nanosByGroup;
    private final long processNanos;

    private CpuByThread(Map<String, Long> nanosByGroup, long processNanos) {
        this.nanosByGroup = nanosByGroup;
        this.processNanos = processNanos;
    }

    static CpuByThread now() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> groups = new TreeMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long nanos = threads.getThreadCpuTime(info.getThreadId());
            if (nanos > 0) {
                groups.merge(group(info.getThreadName()), nanos, Long::sum);
            }
        }
        long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        return new CpuByThread(groups, process);
    }

    /** Writers are one group however many; the producer is the bench's main thread. */
    private static String group(String threadName) {
        if (threadName.startsWith("templar-ledger-writer")) {
            return "writer";
        }
        if (threadName.equals("main")) {
            return "producer";
        }
        if (threadName.equals("templar-ledger-sync")) {
            return "sync";
        }
        if (threadName.equals("templar-ledger-stats")) {
            return "stats fold";
        }
        return "other threads";
    }

    CpuByThread since(CpuByThread start) {
        Map<String, Long> delta = new TreeMap<>();
        nanosByGroup.forEach((group, nanos) -> delta.put(group, nanos - start.nanosByGroup.getOrDefault(group, 0L)));
        return new CpuByThread(delta, processNanos - start.processNanos);
    }

    String perShare(long shares) {
        StringBuilder out = new StringBuilder();
        long onThreads = 0;
        for (Map.Entry<String, Long> e : nanosByGroup.entrySet()) {
            onThreads += e.getValue();
            out.append(String.format("%s %.2f µs, ", e.getKey(), e.getValue() / 1e3 / shares));
        }
        out.append(String.format("jvm %.2f µs; process %.2f µs", (processNanos - onThreads) / 1e3 / shares,
                processNanos / 1e3 / shares));
        return out.toString();
    }
}
