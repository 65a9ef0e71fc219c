package org.templar.pool.core;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.templar.payout.Ledger;
import org.templar.payout.ShareRecord;
import org.templar.pool.job.Job;
import org.templar.share.Hex;
import org.templar.share.ShareCheck;
import org.templar.share.ShareHasher;
import org.templar.share.Target;

/**
 * The protocol-independent share path shared by Stratum V1 and V2: hash, detect a block solve FIRST
 * (a solve is submitted even when the share is stale or otherwise refused), then stale, duplicate and
 * difficulty checks, then the ledger. Runs inline on the calling event loop; each loop thread gets
 * its own {@link ShareHasher}.
 */
public final class ShareProcessor {
    /** Core refuses blocks more than two hours in the future. */
    private static final long MAX_FUTURE_SECONDS = 7200;

    private static final ThreadLocal<ShareHasher> HASHERS = ThreadLocal.withInitial(ShareHasher::new);

    private final Ledger ledger;
    private final BlockSubmitter blocks;
    private final PoolMetrics metrics;

    public ShareProcessor(Ledger ledger, BlockSubmitter blocks, PoolMetrics metrics) {
        this.ledger = ledger;
        this.blocks = blocks;
        this.metrics = metrics;
    }

    /** One share as the session saw it. */
    public record Submission(Worker worker, String channelId, Job job, boolean stale, Target shareTarget,
            double shareDifficulty, byte[] extranonce1, byte[] extranonce2, int ntime, int nonce, int version) {}

    public ShareOutcome process(Submission s, String protocol) {
        long now = System.currentTimeMillis() / 1000;
        long ntime = s.ntime() & 0xffffffffL;
        if (ntime < s.job().minTime() || ntime > now + MAX_FUTURE_SECONDS) {
            return reject(ShareVerdict.BAD_NTIME, false, 0, protocol);
        }
        ShareCheck check = HASHERS.get().check(s.job().work(), s.extranonce1(), s.extranonce2(), s.ntime(), s.nonce(),
                s.version());
        boolean block = check.meets(s.job().work().networkTarget());
        boolean first = s.job().duplicates().firstSeen(check.hash());
        if (block && first) {
            byte[] extranonce = concat(s.extranonce1(), s.extranonce2());
            byte[] header = s.job().work().header(check.merkleRootCopy(), s.ntime(), s.nonce(), s.version());
            blocks.submit(new BlockSubmitter.Solve(s.job(), s.worker(), extranonce, header, check.hashCopy()));
        }
        double achieved = check.achievedDifficulty();
        if (s.stale()) {
            return reject(ShareVerdict.STALE, block, achieved, protocol);
        }
        if (!first) {
            return reject(ShareVerdict.DUPLICATE, block, achieved, protocol);
        }
        if (!check.meets(s.shareTarget())) {
            return reject(ShareVerdict.LOW_DIFFICULTY, block, achieved, protocol);
        }
        String hashHex = Hex.encode(Hex.reverse(check.hash()));
        ShareRecord record = ShareRecord.of(s.worker().username(), s.job().id(), s.channelId(), s.shareDifficulty(),
                achieved, hashHex, block, s.worker().mode().ledgerName(), Instant.now());
        CompletableFuture<Void> durable = ledger.recordShare(record);
        metrics.shareAccepted(protocol, s.shareDifficulty());
        return new ShareOutcome(ShareVerdict.ACCEPTED, block, achieved, durable);
    }

    private ShareOutcome reject(ShareVerdict verdict, boolean block, double achieved, String protocol) {
        metrics.shareRejected(protocol, verdict.name().toLowerCase(java.util.Locale.ROOT));
        return ShareOutcome.rejected(verdict, block, achieved);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
