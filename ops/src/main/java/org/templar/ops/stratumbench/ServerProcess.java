package org.templar.ops.stratumbench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The pool under test seen from outside, through /proc (Linux): resident memory and CPU time. Works
 * for any pool process, whatever it is written in.
 */
final class ServerProcess {
    /** USER_HZ: the unit of utime/stime in /proc/PID/stat; 100 on every Linux this runs on. */
    static final long CLOCK_TICKS_PER_SECOND = 100;

    private final Path proc;

    ServerProcess(long pid) {
        this.proc = Path.of("/proc", Long.toString(pid));
    }

    /** Resident set size in bytes, or empty once the process is gone. */
    OptionalLong rssBytes() {
        try {
            return rssFromStatus(Files.readString(proc.resolve("status")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** User + system CPU time in nanoseconds, or empty once the process is gone. */
    OptionalLong cpuNanos() {
        try {
            return cpuFromStat(Files.readString(proc.resolve("stat")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** Open file descriptors (connections held, plus the process's own). */
    OptionalLong openFiles() {
        try (var s = Files.list(proc.resolve("fd"))) {
            return OptionalLong.of(s.count());
        } catch (IOException | SecurityException e) {
            return OptionalLong.empty();
        }
    }

    /** The VmRSS line of /proc/PID/status ("VmRSS:     12345 kB"). */
    static OptionalLong rssFromStatus(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] f = line.substring(6).trim().split("\\s+");
                long kb = Long.parseLong(f[0]);
                return OptionalLong.of(kb * 1024);
            }
        }
        return OptionalLong.empty();
    }

    /**
     * Fields 14 and 15 (utime, stime) of /proc/PID/stat. The second field is the command name in
     * parentheses and may itself hold spaces and parentheses, so counting starts after the last ')'.
     */
    static OptionalLong cpuFromStat(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return OptionalLong.empty();
        }
        String[] f = stat.substring(close + 1).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3]
        if (f.length < 13) {
            return OptionalLong.empty();
        }
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return OptionalLong.of(ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND));
    }

    /** The most descriptors this process may hold (its "Max open files" soft limit), or -1 if unknown. */
    static long ownFileLimit() {
        try {
            return fileLimitFromLimits(Files.readString(Path.of("/proc/self/limits")));
        } catch (IOException e) {
            return -1;
        }
    }

    static long fileLimitFromLimits(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                return f[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[0]);
            }
        }
        return -1;
    }
}
