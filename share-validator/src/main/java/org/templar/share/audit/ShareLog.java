package org.templar.share.audit;

import java.util.ArrayList;
import java.util.List;
import org.templar.share.ExtranoncePrefix;
import org.templar.share.Hex;
import org.templar.share.JobWork;
import org.templar.share.MerkleBranch;

/**
 * The share-log record format for audits: plain text, one record per line, fields separated by one
 * space, so a log can be grepped, diffed, compressed and appended to by any writer. A job is
 * recorded once, before the first share that refers to it:
 *
 * <pre>
 * job   &lt;id&gt; &lt;version&gt; &lt;prevhash&gt; &lt;nbits&gt; &lt;coinb1&gt; &lt;coinb2&gt; &lt;extranonce size&gt; &lt;branch&gt;
 * share &lt;job id&gt; &lt;extranonce1&gt; &lt;extranonce2&gt; &lt;ntime&gt; &lt;nonce&gt; &lt;version&gt; &lt;hash&gt;
 * </pre>
 *
 * <ul>
 *   <li>{@code id}: any token without spaces (the pool's job id);
 *   <li>{@code version}, {@code nbits}, {@code ntime}, {@code nonce}: 8 hex digits, big-endian, as
 *       Stratum V1 sends them (the share's {@code version} is the full rolled nVersion);
 *   <li>{@code prevhash}: 64 hex digits, internal byte order (as the header stores it);
 *   <li>{@code coinb1}, {@code coinb2}, extranonces: hex, {@code -} for empty;
 *   <li>{@code branch}: the merkle steps (internal order) joined by commas, {@code -} for none;
 *   <li>{@code hash}: the header hash the pool computed, 64 hex digits in display order (as block
 *       explorers show hashes).
 * </ul>
 * Blank lines and lines starting with {@code #} are ignored.
 */
public final class ShareLog {
    private ShareLog() {}

    public static String formatJob(String id, JobWork job) {
        checkId(id);
        StringBuilder b = new StringBuilder(256);
        b.append("job ").append(id).append(' ').append(hex32(job.version())).append(' ')
                .append(Hex.encode(job.prevHashBytes())).append(' ').append(hex32(job.nbits())).append(' ')
                .append(bytes(job.coinbasePrefixBytes())).append(' ').append(bytes(job.coinbaseSuffixBytes()))
                .append(' ').append(job.extranonceSize()).append(' ');
        MerkleBranch branch = job.branch();
        if (branch.size() == 0) {
            b.append('-');
        }
        for (int i = 0; i < branch.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(Hex.encode(branch.step(i)));
        }
        return b.toString();
    }

    /** @param hashInternal the header hash in internal byte order (as {@code ShareCheck.hash()} gives it) */
    public static String formatShare(String jobId, byte[] extranonce1, byte[] extranonce2, int ntime, int nonce,
            int version, byte[] hashInternal) {
        return formatShare(jobId, ExtranoncePrefix.of(extranonce1), extranonce2, ntime, nonce, version, hashInternal);
    }

    /** The pool's form: the connection's or channel's prefix, then what the miner rolled. */
    public static String formatShare(String jobId, ExtranoncePrefix extranonce1, byte[] extranonce2, int ntime,
            int nonce, int version, byte[] hashInternal) {
        checkId(jobId);
        return "share " + jobId + ' ' + (extranonce1.size() == 0 ? "-" : extranonce1.toHex()) + ' ' + bytes(extranonce2)
                + ' ' + hex32(ntime) + ' ' + hex32(nonce) + ' ' + hex32(version) + ' '
                + Hex.encode(Hex.reverse(hashInternal));
    }

    /** Parses a {@code job} line into its id and work; {@link IllegalArgumentException} if malformed. */
    public static JobRecord parseJob(String line) {
        String[] f = line.split(" ");
        if (f.length != 9 || !f[0].equals("job")) {
            throw new IllegalArgumentException("a job record has 9 fields");
        }
        List<byte[]> steps = new ArrayList<>();
        if (!f[8].equals("-")) {
            for (String s : f[8].split(",")) {
                steps.add(Hex.decode(s));
            }
        }
        byte[] prev = Hex.decode(f[3]);
        JobWork work = JobWork.of(int32(f[2]), prev, int32(f[4]), parseBytes(f[5]), parseBytes(f[6]),
                MerkleBranch.of(steps), Integer.parseInt(f[7]));
        return new JobRecord(f[1], work);
    }

    /** A share line split into fields (hash still in display order); {@link IllegalArgumentException} if malformed. */
    public static ShareRecord parseShare(String line) {
        String[] f = line.split(" ");
        if (f.length != 8 || !f[0].equals("share")) {
            throw new IllegalArgumentException("a share record has 8 fields");
        }
        byte[] hash = Hex.decode(f[7]);
        if (hash.length != 32) {
            throw new IllegalArgumentException("hash must be 32 bytes");
        }
        return new ShareRecord(f[1], parseBytes(f[2]), parseBytes(f[3]), int32(f[4]), int32(f[5]), int32(f[6]),
                Hex.reverse(hash));
    }

    public record JobRecord(String id, JobWork work) {}

    /** One recorded share; {@code hash} in internal byte order. */
    public record ShareRecord(String jobId, byte[] extranonce1, byte[] extranonce2, int ntime, int nonce, int version,
            byte[] hash) {}

    static String hex32(int v) {
        return String.format("%08x", v);
    }

    static int int32(String s) {
        if (s.length() != 8) {
            throw new IllegalArgumentException("want 8 hex digits, got '" + s + "'");
        }
        return (int) Long.parseLong(s, 16);
    }

    private static String bytes(byte[] b) {
        return b.length == 0 ? "-" : Hex.encode(b);
    }

    static byte[] parseBytes(String s) {
        return s.equals("-") ? new byte[0] : Hex.decode(s);
    }

    private static void checkId(String id) {
        if (id.isEmpty() || id.indexOf(' ') >= 0 || id.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("job id must be a non-empty token without spaces: '" + id + "'");
        }
    }
}
