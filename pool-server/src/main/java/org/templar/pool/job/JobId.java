package org.templar.pool.job;

import java.util.Objects;

/**
 * The name miners know a job by. A u32, as Stratum V2 sends it (per connection); Stratum V1 sends the
 * pool's job ids as exactly eight lower-case hex digits ({@link #toString}), and mining.submit must echo
 * that text. A job a miner declared (SV2 SetCustomMiningJob) is numbered by its connection, so its id
 * names that connection too; the ledger and the share log know it as {@code jd-<connection>-<n>}.
 *
 * <p>The text form is what the ledger's job column and the share log have always held: pool jobs
 * {@code 0000002a}, declared jobs {@code jd-sv2-3-7}.
 */
public final class JobId {
    private static final long U32 = 0xffffffffL;

    private final long value;
    private final String declaredOn; // the declaring connection, null for the pool's own jobs
    private String text; // computed once, on first use (racy but idempotent)

    private JobId(long value, String declaredOn) {
        if ((value & ~U32) != 0) {
            throw new IllegalArgumentException("a job id is a u32, got " + value);
        }
        this.value = value;
        this.declaredOn = declaredOn;
    }

    /** A pool job id, or a job id of one SV2 connection's own numbering (0..2^32-1). */
    public static JobId of(long value) {
        return new JobId(value, null);
    }

    /** Job {@code value} of the custom jobs that connection {@code connectionId} declared. */
    public static JobId declared(String connectionId, long value) {
        if (connectionId.isEmpty() || connectionId.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("not a connection id: \"" + connectionId + "\"");
        }
        return new JobId(value, connectionId);
    }

    /** Whether {@code text} is a pool job id as Stratum V1 sends it: eight lower-case hex digits. */
    public static boolean is(CharSequence text) {
        if (text.length() != 8) {
            return false;
        }
        for (int i = 0; i < 8; i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a Stratum V1 job id.
     *
     * @throws IllegalArgumentException unless {@link #is}{@code (text)}
     */
    public static JobId parse(CharSequence text) {
        if (!is(text)) {
            throw new IllegalArgumentException("not a job id: \"" + text + "\" (eight lower-case hex digits expected)");
        }
        return new JobId(Long.parseLong(text, 0, 8, 16), null);
    }

    /** The u32 as Stratum V2 sends it. */
    public long value() {
        return value;
    }

    /** Whether a miner declared this job (Job Declaration) rather than the pool. */
    public boolean isDeclared() {
        return declaredOn != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobId j && j.value == value && Objects.equals(j.declaredOn, declaredOn);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value) * 31 + Objects.hashCode(declaredOn);
    }

    /** {@code 0000002a} for a pool job (the SV1 wire form), {@code jd-<connection>-<n>} for a declared one. */
    @Override
    public String toString() {
        String t = text;
        if (t == null) {
            t = declaredOn == null ? String.format("%08x", value) : "jd-" + declaredOn + "-" + value;
            text = t;
        }
        return t;
    }
}
