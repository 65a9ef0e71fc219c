package org.templar.share.audit;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of re-verifying a share log.
 *
 * @param verified shares whose recomputed header hash equals the recorded one
 * @param mismatched shares whose recomputed hash differs (a pool bug, or a forged log line)
 * @param malformed lines that are not valid records, or shares of an unknown job
 * @param problems the first few problems, each "line N: what"
 */
public record AuditReport(long jobs, long shares, long verified, long mismatched, long malformed,
        List<String> problems, Duration elapsed) {

    public boolean clean() {
        return mismatched == 0 && malformed == 0;
    }

    public double sharesPerSecond() {
        double s = elapsed.toNanos() / 1e9;
        return s > 0 ? shares / s : 0;
    }
}
