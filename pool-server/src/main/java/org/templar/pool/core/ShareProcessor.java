package org.templar.pool.core;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.templar.payout.ShareLedger;
import org.templar.payout.ShareRecord;
import org.templar.pool.job.DuplicateScope;
import org.templar.pool.job.Job;
import org.templar.share.Difficulty;
import org.templar.share.ExtranoncePrefix;
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

    private final ShareLedger ledger;
    private final BlockSubmitter blocks;
    private final PoolMetrics metrics;
    private final ShareLogWriter shareLog;
    private final Runnable refreshWork;
    private final ShareObserver observer;

    /**
     * Sees the shares that count and the block solves, inline on the event loop (the miner-side proxy
     * forwards them to its pool). The hash array is the hasher's and is reused: copy what you keep.
     */
    public interface ShareObserver {
        void accepted(Job job, ExtranoncePrefix extranonce1, byte[] extranonce2, int ntime, int nonce, int version, byte[] hashLe);

        void solved(Job job, byte[] extranonce, byte[] header80);
    }

    /**
     * @param shareLog where accepted shares are also recorded for audits, or null
     * @param refreshWork asks for fresh work (a new template, so new job ids) when a job's duplicate
     *     filter is full
     */
    public ShareProcessor(ShareLedger ledger, BlockSubmitter blocks, PoolMetrics metrics, ShareLogWriter shareLog,
            Runnable refreshWork) {
        this(ledger, blocks, metrics, shareLog, refreshWork, null);
    }

    /** @param observer sees accepted shares and block solves, or null */
    public ShareProcessor(ShareLedger ledger, BlockSubmitter blocks, PoolMetrics metrics, ShareLogWriter shareLog,
            Runnable refreshWork, ShareObserver observer) {
        this.observer = observer;
        this.ledger = ledger;
        this.blocks = blocks;
        this.metrics = metrics;
        this.shareLog = shareLog;
        this.refreshWork = refreshWork;
    }

    /** Key of the per-job "already asked for fresh work" flag kept in {@link Job#encoding}. */
    private static final Object REFRESH_ASKED = new Object();

    /**
     * One share as the session saw it. {@code shareTarget} is what the share is judged against (exact);
     * {@code shareDifficulty} is what it is credited at, the difficulty the miner was told for that target.
     */
    public record Submission(Worker worker, ChannelId channelId, Job job, boolean stale, Target shareTarget,
            Difficulty shareDifficulty, ExtranoncePrefix extranonce1, byte[] extranonce2, int ntime, int nonce,
            int version) {}

    /**
     * A header-only share (Stratum V2 standard channel): the coinbase is fixed by the channel's
     * extranonce prefix, so the pool computed the merkle root once per job and channel.
     *
     * @param extranonce the channel's whole extranonce, its prefix (needed only to assemble a solved block)
     * @param merkleRoot the root the channel was sent for this job (internal byte order)
     */
    public record HeaderSubmission(Worker worker, ChannelId channelId, Job job, boolean stale, Target shareTarget,
            Difficulty shareDifficulty, ExtranoncePrefix extranonce, byte[] merkleRoot, int ntime, int nonce, int version) {}

    public ShareOutcome process(Submission s, String protocol) {
        return observed(s.worker(), s.shareDifficulty(), judgeFull(s, protocol));
    }

    /** Same pipeline as {@link #process} (block first, then stale, duplicate, difficulty, ledger) without the coinbase. */
    public ShareOutcome processHeader(HeaderSubmission s, String protocol) {
        return observed(s.worker(), s.shareDifficulty(), judgeHeader(s, protocol));
    }

    /** Hands every verdict, with its worker, to the live statistics (hashrate, best share). */
    private ShareOutcome observed(Worker worker, Difficulty shareDifficulty, ShareOutcome outcome) {
        metrics.shareJudged(worker, outcome.verdict(), shareDifficulty, outcome.achievedDifficulty());
        return outcome;
    }

    private ShareOutcome judgeFull(Submission s, String protocol) {
        if (!ntimeInRange(s.job(), s.ntime())) {
            return reject(ShareVerdict.BAD_NTIME, false, 0, protocol);
        }
        ShareCheck check = HASHERS.get().check(s.job().work(), s.extranonce1(), s.extranonce2(), s.ntime(), s.nonce(),
                s.version());
        return judge(check, s.worker(), s.channelId(), s.job(), s.stale(), s.shareTarget(), s.shareDifficulty(),
                s.extranonce1(), s.extranonce2(), protocol);
    }

    private ShareOutcome judgeHeader(HeaderSubmission s, String protocol) {
        if (!ntimeInRange(s.job(), s.ntime())) {
            return reject(ShareVerdict.BAD_NTIME, false, 0, protocol);
        }
        ShareCheck check = HASHERS.get().checkHeader(s.job().work(), s.merkleRoot(), s.ntime(), s.nonce(), s.version());
        return judge(check, s.worker(), s.channelId(), s.job(), s.stale(), s.shareTarget(), s.shareDifficulty(),
                s.extranonce(), EMPTY, protocol);
    }

    private static final byte[] EMPTY = new byte[0];

    private static boolean ntimeInRange(Job job, int ntimeField) {
        long now = System.currentTimeMillis() / 1000;
        long ntime = ntimeField & 0xffffffffL;
        return ntime >= job.minTime() && ntime <= now + MAX_FUTURE_SECONDS;
    }

    private ShareOutcome judge(ShareCheck check, Worker worker, ChannelId channelId, Job job, boolean stale,
            Target shareTarget, Difficulty shareDifficulty, ExtranoncePrefix extranonce1, byte[] extranonce2, String protocol) {
        boolean block = check.meets(job.work().networkTarget());
        boolean meetsShareTarget = check.meets(shareTarget);
        // Only shares that count (or solve a block) are remembered: a flood of cheap low-difficulty or
        // stale submissions must not grow the duplicate filter. The check spans every job id issued for
        // the same work, so one header submitted under two ids is credited once.
        DuplicateScope.Seen seen = block || (meetsShareTarget && !stale)
                ? job.recordShare(check.hash())
                : (job.seen(check.hash()) ? DuplicateScope.Seen.DUPLICATE : DuplicateScope.Seen.FIRST);
        if (block && seen != DuplicateScope.Seen.DUPLICATE) {
            byte[] extranonce = extranonce1.concat(extranonce2);
            byte[] header = job.work().header(check.merkleRootCopy(), check.ntime(), check.nonce(), check.version());
            blocks.submit(new BlockSubmitter.Solve(job, worker, extranonce, header, check.hashCopy()));
            if (observer != null) {
                observer.solved(job, extranonce, header);
            }
        }
        double achieved = check.achievedDifficulty();
        if (stale) {
            return reject(ShareVerdict.STALE, block, achieved, protocol);
        }
        if (seen == DuplicateScope.Seen.FULL) {
            // Not a duplicate: the job has taken as many shares as its filter holds. Remembering no
            // more would let duplicates through, so the share is refused as stale and every session
            // is given fresh job ids, once per job (their filters join this work's scope).
            if (job.encoding(REFRESH_ASKED, j -> new java.util.concurrent.atomic.AtomicBoolean())
                    .compareAndSet(false, true)) {
                refreshWork.run();
            }
            return reject(ShareVerdict.STALE, block, achieved, protocol);
        }
        if (seen == DuplicateScope.Seen.DUPLICATE) {
            return reject(ShareVerdict.DUPLICATE, block, achieved, protocol);
        }
        if (!meetsShareTarget) {
            return reject(ShareVerdict.LOW_DIFFICULTY, block, achieved, protocol);
        }
        String hashHex = Hex.encode(Hex.reverse(check.hash()));
        // the ledger's column is a plain number (credit sums are doubles)
        ShareRecord record = ShareRecord.of(worker.username(), job.id().toString(), channelId.toString(),
                shareDifficulty.value(), achieved, hashHex, block, worker.mode().ledgerName(), Instant.now());
        if (job.revenueWeight() != 1.0 || !ShareRecord.SOURCE_POOL.equals(job.templateSource())) {
            // a miner-declared job (Job Declaration): credited at the share of revenue it pays the pool
            record = record.withTemplate(job.revenueWeight(), job.templateSource());
        }
        CompletableFuture<Void> durable;
        try {
            durable = ledger.recordShare(record);
        } catch (RuntimeException e) {
            durable = CompletableFuture.failedFuture(e); // a ledger that throws instead of failing the future
        }
        if (durable.isCompletedExceptionally()) {
            // Refused at once (queue full, ledger closed): nothing was written, so the share counts
            // nowhere (accepted figures, hashrate, vardiff, the proxy's pool) and its header hash is
            // forgotten: the miner is told to resend, and the resend is credited. A batch that fails
            // later keeps its hashes: its commit may have reached the disk after all, and a share is
            // credited once or not at all.
            job.forgetShare(check.hash());
            return reject(ShareVerdict.NOT_RECORDED, block, achieved, protocol);
        }
        if (shareLog != null) {
            shareLog.record(job, extranonce1, extranonce2, check.ntime(), check.nonce(), check.version(), check.hash());
        }
        metrics.shareAccepted(protocol, shareDifficulty);
        metrics.shareOnTemplate(worker, job.templateSource(), job.revenueWeight(), shareDifficulty);
        if (observer != null) {
            observer.accepted(job, extranonce1, extranonce2, check.ntime(), check.nonce(), check.version(), check.hash());
        }
        return new ShareOutcome(ShareVerdict.ACCEPTED, block, achieved, durable);
    }

    private ShareOutcome reject(ShareVerdict verdict, boolean block, double achieved, String protocol) {
        metrics.shareRejected(protocol, verdict.name().toLowerCase(java.util.Locale.ROOT));
        return ShareOutcome.rejected(verdict, block, achieved);
    }
}
