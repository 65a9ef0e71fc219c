package org.templar.share.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bitcoinj.base.Sha256Hash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.share.BlockHeader;
import org.templar.share.JobWork;
import org.templar.share.MerkleBranch;

@Timeout(120)
class ShareLogVerifierTest {

    static byte[] bytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    /** The expected hash the slow, obvious way (bitcoinj), independent of the code under audit. */
    static byte[] referenceHash(JobWork job, byte[] en1, byte[] en2, int ntime, int nonce, int version) {
        byte[] acc = Sha256Hash.hashTwice(job.coinbase(en1, en2));
        for (byte[] s : job.branch().steps()) {
            acc = Sha256Hash.hashTwice(acc, 0, 32, s, 0, 32);
        }
        return Sha256Hash.hashTwice(BlockHeader.serialize(version, job.prevHashBytes(), acc, ntime, job.nbits(), nonce));
    }

    @Test
    void recordsRoundTrip() {
        SplittableRandom r = new SplittableRandom(1);
        JobWork job = JobWork.of(0x20000000, bytes(r, 32), 0x17034219, bytes(r, 70), bytes(r, 90),
                MerkleBranch.of(List.of(bytes(r, 32), bytes(r, 32))), 8);
        ShareLog.JobRecord back = ShareLog.parseJob(ShareLog.formatJob("j1", job));
        assertEquals("j1", back.id());
        assertEquals(job, back.work());
        assertEquals(2, back.work().branch().size());
        JobWork empty = JobWork.of(1, new byte[32], 0x1d00ffff, new byte[0], new byte[0], MerkleBranch.of(List.of()), 0);
        assertEquals(empty, ShareLog.parseJob(ShareLog.formatJob("x", empty)).work());
        byte[] hash = bytes(r, 32);
        ShareLog.ShareRecord s = ShareLog.parseShare(
                ShareLog.formatShare("j1", new byte[] {1, 2}, new byte[0], 0x65000001, 0xfffffffe, 0x20002000, hash));
        assertArrayEquals(new byte[] {1, 2}, s.extranonce1());
        assertEquals(0, s.extranonce2().length);
        assertEquals(0xfffffffe, s.nonce());
        assertEquals(0x20002000, s.version());
        assertArrayEquals(hash, s.hash());
    }

    @Test
    void verifiesALogInParallelAndPinpointsEveryBadLine(@TempDir Path dir) throws Exception {
        SplittableRandom r = new SplittableRandom(2);
        Path log = dir.resolve("shares.log");
        int perJob = 20_000;
        List<Long> tamperedLines = new ArrayList<>();
        long lineNo = 0;
        int shares = 0;
        try (BufferedWriter w = Files.newBufferedWriter(log, StandardCharsets.US_ASCII)) {
            w.write("# templar share log\n");
            lineNo++;
            for (int j = 0; j < 3; j++) {
                List<byte[]> steps = new ArrayList<>();
                for (int i = 0; i < 4 + 4 * j; i++) {
                    steps.add(bytes(r, 32));
                }
                JobWork job = JobWork.of(0x20000000, bytes(r, 32), 0x17034219, bytes(r, 40 + 40 * j), bytes(r, 120),
                        MerkleBranch.of(steps), 8);
                w.write(ShareLog.formatJob("job-" + j, job) + "\n");
                lineNo++;
                byte[] en1 = bytes(r, 4);
                for (int i = 0; i < perJob; i++) {
                    byte[] en2 = {0, 0, (byte) (i >>> 6), (byte) (i >>> 14)};
                    int version = 0x20000000 | ((i & 0x3f) << 13);
                    byte[] hash = referenceHash(job, en1, en2, 0x65000000, i, version);
                    if (i % 5_000 == 17) {
                        hash[3] ^= 1; // a forged or corrupted record
                        tamperedLines.add(lineNo + 1);
                    }
                    w.write(ShareLog.formatShare("job-" + j, en1, en2, 0x65000000, i, version, hash) + "\n");
                    lineNo++;
                    shares++;
                }
            }
            w.write("share job-9 00 00 65000000 00000000 20000000 " + "00".repeat(32) + "\n");
            w.write("share job-0 zz\n");
            w.write("hello\n");
        }
        AuditReport report = new ShareLogVerifier(4).verify(log);
        assertEquals(3, report.jobs());
        assertEquals(shares + 2, report.shares());
        assertEquals(shares - tamperedLines.size(), report.verified());
        assertEquals(tamperedLines.size(), report.mismatched());
        assertEquals(3, report.malformed());
        assertFalse(report.clean());
        for (int i = 0; i < tamperedLines.size(); i++) {
            assertEquals("line " + tamperedLines.get(i) + ": hash mismatch", report.problems().get(i));
        }
        assertTrue(report.problems().get(report.problems().size() - 1).contains("neither a job nor a share"));
        assertEquals(report, report); // sanity of the record
        AuditReport single = new ShareLogVerifier(1).verify(log);
        assertEquals(report.verified(), single.verified());
        assertEquals(report.problems(), single.problems());
    }
}
