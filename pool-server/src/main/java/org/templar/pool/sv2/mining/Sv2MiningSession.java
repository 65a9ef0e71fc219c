package org.templar.pool.sv2.mining;

import org.templar.pool.sv2.session.Sv2Output;
import org.templar.pool.sv2.session.Sv2Session;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.ChannelId;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.ShareOutcome;
import org.templar.pool.core.ShareProcessor;
import org.templar.pool.core.ShareVerdict;
import org.templar.pool.core.Vardiff;
import org.templar.pool.core.Worker;
import org.templar.pool.job.Job;
import org.templar.pool.job.JobId;
import org.templar.pool.job.Template;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.pool.sv2.jds.CustomJobCheck;
import org.templar.pool.sv2.jds.JobDeclarations;
import org.templar.share.Difficulty;
import org.templar.share.ExtranoncePrefix;
import org.templar.share.Sha256;
import org.templar.share.Target;

/**
 * One Stratum V2 mining connection's state machine (05-Mining-Protocol.md): SetupConnection, then
 * standard and extended channels, all members of the connection's group channel (which gets shared
 * jobs when its channels can mine one, see {@link #groupable()}). It sees message
 * records only, never bytes or channels, and is confined to its connection's event loop: no locks.
 *
 * <p>Jobs: a template on a new chain tip goes out as a future job (empty min_ntime) followed by
 * SetNewPrevHash activating it; a refreshed template on the same tip goes out as an active job.
 * Every job remembers the target it was sent with, and a share on it is judged at the easier of that
 * and the channel's current target: a miner that applies SetTarget at once and one that waits for
 * the next job are both treated fairly.
 *
 * <p>Acknowledgements: accepted shares are acknowledged in batches (SubmitShares.Success every
 * {@link Sv2MiningSettings#successBatch()} shares or on the next tick), and only once the ledger
 * made them durable; refusals are answered at once.
 */
public final class Sv2MiningSession implements Sv2Session {
    private static final Logger log = LoggerFactory.getLogger(Sv2MiningSession.class);
    private static final String PROTOCOL = "sv2";
    /** Stratum V2 protocol version this server speaks (SetupConnection min/max_version). */
    public static final int PROTOCOL_VERSION = 2;
    /** Client flags the server accepts: REQUIRES_STANDARD_JOBS and REQUIRES_VERSION_ROLLING. */
    private static final long SUPPORTED_FLAGS = Sv2Common.SetupConnection.REQUIRES_STANDARD_JOBS
            | Sv2Common.SetupConnection.REQUIRES_VERSION_ROLLING;
    private static final int MIN_CLIENT_EXTRANONCE = 4;
    private static final long HASHES_PER_DIFFICULTY_1 = 1L << 32;

    private enum State { AWAIT_SETUP, READY, CLOSED }

    /** A job as one channel received it. */
    private record SentJob(JobId id, Job job, ExtranoncePrefix extranoncePrefix, byte[] merkleRoot, Target target,
            boolean stale) {
        SentJob asStale() {
            return new SentJob(id, job, extranoncePrefix, merkleRoot, target, true);
        }
    }

    /** One open standard or extended channel. */
    private final class Channel {
        final long id;
        final boolean extended;
        final Worker worker;
        final int clientExtranonceSize; // extended only
        final Vardiff vardiff;
        final ChannelId channelId; // the connection and this channel, as shares are credited
        ExtranoncePrefix allocated; // the allocator's unique 4 bytes, released on close
        ExtranoncePrefix extranoncePrefix;
        Target maxTarget;
        Target target;
        final LinkedHashMap<JobId, SentJob> jobs = new LinkedHashMap<>();
        byte[] prevHash; // the tip the channel's active job builds on
        // pending SubmitShares.Success batch
        int batchCount;
        double batchSum;
        long lastSequence;

        Channel(long id, boolean extended, Worker worker, int clientExtranonceSize, ExtranoncePrefix prefix,
                Target maxTarget) {
            this.id = id;
            this.extended = extended;
            this.worker = worker;
            this.clientExtranonceSize = clientExtranonceSize;
            this.allocated = prefix;
            this.extranoncePrefix = prefixFor(prefix, extended);
            this.maxTarget = maxTarget;
            this.vardiff = new Vardiff(pool.vardiff(), System.nanoTime());
            this.channelId = ChannelId.channel(connectionId, id);
        }

        /**
         * A standard channel's prefix is the whole extranonce: the allocator's unique bytes padded to
         * the same full size an extended channel gets by default, since channels of one group
         * channel must share the full extranonce size (spec 5.2.3).
         */
        static ExtranoncePrefix prefixFor(ExtranoncePrefix allocated, boolean extended) {
            return extended ? allocated : allocated.padded(MIN_CLIENT_EXTRANONCE);
        }

        int jobExtranonceSize() {
            return extranoncePrefix.size() + clientExtranonceSize;
        }
    }

    private final PoolContext pool;
    private final Sv2MiningSettings settings;
    private final Sv2Output out;
    private final String connectionId;
    private final Map<Long, Channel> channels = new LinkedHashMap<>();
    private State state = State.AWAIT_SETUP;
    private boolean requiresStandardJobs;
    private long groupChannelId;
    private long nextChannelId = 1;
    /** Job ids are unique in the whole connection, so a group job can carry one id into every member channel. */
    private long nextJobId = 1;
    private int ticks;
    /** Job Declaration (custom jobs), or null when the pool runs no JDS. */
    private final JobDeclarations declarations;
    /** The client set REQUIRES_WORK_SELECTION: its extended channels may set custom jobs. */
    private boolean workSelection;

    public Sv2MiningSession(PoolContext pool, Sv2MiningSettings settings, Sv2Output out, String connectionId) {
        this(pool, settings, out, connectionId, null);
    }

    /** @param declarations the pool's Job Declaration state, or null: then custom jobs are refused */
    public Sv2MiningSession(PoolContext pool, Sv2MiningSettings settings, Sv2Output out, String connectionId,
            JobDeclarations declarations) {
        this.pool = pool;
        this.settings = settings;
        this.out = out;
        this.connectionId = connectionId;
        this.declarations = declarations;
    }

    public String connectionId() {
        return connectionId;
    }

    @Override
    public boolean isSetUp() {
        return state == State.READY;
    }

    /** A mining connection works once it has a channel open. */
    @Override
    public boolean isWorking() {
        return !channels.isEmpty();
    }

    public int channelCount() {
        return channels.size();
    }

    /** The workers of the open channels (for the operator's views). */
    public List<Worker> workers() {
        return channels.values().stream().map(c -> c.worker).toList();
    }

    /** For the disconnect line: the distinct usernames of the open channels. */
    @Override
    public String summary() {
        List<String> names = workers().stream().map(Worker::username).distinct().toList();
        return "workers " + (names.isEmpty() ? "none" : names);
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void onMessage(Sv2Message message) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.AWAIT_SETUP) {
            if (message instanceof Sv2Common.SetupConnection s) {
                setup(s);
            } else {
                close("first message must be SetupConnection, got " + message.getClass().getSimpleName());
            }
            return;
        }
        if (message instanceof Sv2Mining.SubmitSharesStandard s) {
            submitStandard(s);
        } else if (message instanceof Sv2Mining.SubmitSharesExtended s) {
            submitExtended(s);
        } else if (message instanceof Sv2Mining.OpenStandardMiningChannel o) {
            openChannel(o.requestId(), o.userIdentity(), o.nominalHashRate(), o.maxTarget(), false, 0);
        } else if (message instanceof Sv2Mining.OpenExtendedMiningChannel o) {
            openChannel(o.requestId(), o.userIdentity(), o.nominalHashRate(), o.maxTarget(), true,
                    o.minExtranonceSize());
        } else if (message instanceof Sv2Mining.UpdateChannel u) {
            updateChannel(u);
        } else if (message instanceof Sv2Mining.CloseChannel c) {
            closeChannel(c);
        } else if (message instanceof Sv2Mining.SetCustomMiningJob j) {
            customJob(j);
        } else if (message instanceof Sv2Common.SetupConnection) {
            close("SetupConnection sent twice");
        } else {
            // anything else is not for a pool
            log.debug("{}: ignoring {}", connectionId, message.getClass().getSimpleName());
        }
    }

    private void setup(Sv2Common.SetupConnection s) {
        if (s.protocol() != Sv2Common.SetupConnection.PROTOCOL_MINING) {
            refuseSetup(0, Sv2ErrorCodes.UNSUPPORTED_PROTOCOL);
            return;
        }
        if (s.minVersion() > PROTOCOL_VERSION || s.maxVersion() < PROTOCOL_VERSION) {
            refuseSetup(0, Sv2ErrorCodes.PROTOCOL_VERSION_MISMATCH);
            return;
        }
        long supported = SUPPORTED_FLAGS;
        if (declarations != null) {
            supported |= Sv2Common.SetupConnection.REQUIRES_WORK_SELECTION;
        }
        if (pool.versionMask() == 0) {
            supported &= ~Sv2Common.SetupConnection.REQUIRES_VERSION_ROLLING;
        }
        long unsupported = s.flags() & ~supported;
        if (unsupported != 0) {
            // REQUIRES_WORK_SELECTION means custom jobs, which need Job Declaration first
            refuseSetup(unsupported, Sv2ErrorCodes.UNSUPPORTED_FEATURE_FLAGS);
            return;
        }
        requiresStandardJobs = (s.flags() & Sv2Common.SetupConnection.REQUIRES_STANDARD_JOBS) != 0;
        workSelection = (s.flags() & Sv2Common.SetupConnection.REQUIRES_WORK_SELECTION) != 0;
        groupChannelId = nextChannelId++;
        state = State.READY;
        long flags = pool.versionMask() == 0 ? Sv2Common.SetupConnectionSuccess.REQUIRES_FIXED_VERSION : 0;
        out.send(new Sv2Common.SetupConnectionSuccess(PROTOCOL_VERSION, flags));
        log.debug("{}: set up ({} {} {})", connectionId, s.vendor().text(), s.hardwareVersion().text(),
                s.firmware().text());
    }

    private void refuseSetup(long flags, String code) {
        out.send(new Sv2Common.SetupConnectionError(flags, Str0255.of(code)));
        close("setup refused: " + code);
    }

    private void openChannel(long requestId, Str0255 userIdentity, float nominalHashRate, U256 maxTargetField,
            boolean extended, int minExtranonceSize) {
        if (channels.size() >= settings.maxChannels()) {
            openError(requestId, Sv2ErrorCodes.TOO_MANY_CHANNELS);
            return;
        }
        Worker worker;
        try {
            worker = pool.authorizer().authorize(userIdentity.text());
        } catch (Authorizer.AuthorizationException e) {
            log.debug("{}: channel refused: {}", connectionId, e.getMessage());
            pool.policy().autoBans().onAuthFailure(out.peer());
            openError(requestId, Sv2ErrorCodes.UNKNOWN_USER);
            return;
        }
        Target maxTarget = Target.fromLittleEndian(maxTargetField.toArray());
        Target hardest = Difficulty.of(pool.vardiff().maximum()).toTarget();
        if (maxTarget.compareTo(hardest) < 0) {
            openError(requestId, Sv2ErrorCodes.MAX_TARGET_OUT_OF_RANGE);
            return;
        }
        int clientSize = 0;
        if (extended) {
            int prefixSize = ExtranonceAllocator.SIZE;
            if (minExtranonceSize > settings.maxExtranonceSize() - prefixSize) {
                openError(requestId, Sv2ErrorCodes.MIN_EXTRANONCE_SIZE_TOO_LARGE);
                return;
            }
            clientSize = Math.max(minExtranonceSize, MIN_CLIENT_EXTRANONCE);
        }
        Template template = pool.currentTemplate().get();
        if (template == null) {
            openError(requestId, Sv2ErrorCodes.NO_WORK);
            return;
        }
        ExtranoncePrefix prefix = pool.extranonces().allocate();
        Channel c = new Channel(nextChannelId++, extended, worker, clientSize, prefix, maxTarget);
        c.target = targetFor(c, difficultyForHashrate(nominalHashRate, c));
        channels.put(c.id, c);
        if (extended) {
            out.send(new Sv2Mining.OpenExtendedMiningChannelSuccess(requestId, c.id, u256(c.target), clientSize,
                    Bytes.of(c.extranoncePrefix.toByteArray()), groupChannelId));
        } else {
            out.send(new Sv2Mining.OpenStandardMiningChannelSuccess(requestId, c.id, u256(c.target), Bytes.of(c.extranoncePrefix.toByteArray()),
                    groupChannelId));
        }
        log.debug("{}: {} channel {} for {} at difficulty {}", connectionId, extended ? "extended" : "standard", c.id,
                worker.username(), c.target.difficulty());
        pool.policy().log().info("{} authorized as {} ({} channel {}) from {}", connectionId, worker.username(),
                extended ? "extended" : "standard", c.id, out.peer() == null ? "?" : out.peer().getHostAddress());
        // The job must be the channel's first message (spec 5.3.15): a future job, then SetNewPrevHash
        // activating it; the group's new membership follows.
        sendWork(c, template, true);
        announceGroup();
    }

    private void openError(long requestId, String code) {
        out.send(new Sv2Mining.OpenMiningChannelError(requestId, Str0255.of(code)));
    }

    private void announceGroup() {
        if (requiresStandardJobs) {
            return; // SetGroupChannel may only go to connections that can take extended jobs
        }
        out.send(new Sv2Mining.SetGroupChannel(groupChannelId, new ArrayList<>(channels.keySet())));
    }

    private void updateChannel(Sv2Mining.UpdateChannel u) {
        Channel c = channels.get(u.channelId());
        if (c == null) {
            out.send(new Sv2Mining.UpdateChannelError(u.channelId(), Str0255.of(Sv2ErrorCodes.INVALID_CHANNEL_ID)));
            return;
        }
        Target maxTarget = Target.fromLittleEndian(u.maximumTarget().toArray());
        if (maxTarget.compareTo(Difficulty.of(pool.vardiff().maximum()).toTarget()) < 0) {
            out.send(new Sv2Mining.UpdateChannelError(u.channelId(), Str0255.of(Sv2ErrorCodes.MAX_TARGET_OUT_OF_RANGE)));
            return;
        }
        c.maxTarget = maxTarget;
        retarget(c, difficultyForHashrate(u.nominalHashRate(), c));
    }

    private void closeChannel(Sv2Mining.CloseChannel close) {
        if (close.channelId() == groupChannelId) {
            for (Channel c : List.copyOf(channels.values())) {
                drop(c);
            }
            return;
        }
        Channel c = channels.get(close.channelId());
        if (c != null) {
            drop(c);
            announceGroup();
        }
    }

    private void drop(Channel c) {
        flush(c);
        channels.remove(c.id);
        pool.extranonces().release(c.allocated);
        log.debug("{}: channel {} closed", connectionId, c.id);
    }

    // ------------------------------------------------------------------ custom jobs

    /**
     * SetCustomMiningJob (5.3.18): on an extended channel of a connection set up with
     * REQUIRES_WORK_SELECTION, a job the miner declared through Job Declaration joins the channel's
     * jobs once {@link JobDeclarations#customJob} found it matches its token; shares on it then take
     * the same path as any share, credited at the job's revenue weight.
     */
    private void customJob(Sv2Mining.SetCustomMiningJob j) {
        if (declarations == null || !workSelection) {
            // without REQUIRES_WORK_SELECTION (or a JDS) no token can be valid here: answer rather
            // than leave the client waiting
            out.send(new Sv2Mining.SetCustomMiningJobError(j.channelId(), j.requestId(),
                    Str0255.of(Sv2ErrorCodes.INVALID_MINING_JOB_TOKEN)));
            return;
        }
        Channel c = channels.get(j.channelId());
        if (c == null || !c.extended) {
            out.send(new Sv2Mining.SetCustomMiningJobError(j.channelId(), j.requestId(),
                    Str0255.of(Sv2ErrorCodes.INVALID_CHANNEL_ID)));
            return;
        }
        JobId jobId = newJobId();
        Job job;
        try {
            job = declarations.customJob(j, c.worker, c.jobExtranonceSize(), JobId.declared(connectionId, jobId.value()),
                    CUSTOM_JOB_SHARES);
        } catch (CustomJobCheck.Refused e) {
            log.debug("{}: custom job refused on channel {}: {} ({})", connectionId, c.id, e.code(), e.getMessage());
            out.send(new Sv2Mining.SetCustomMiningJobError(c.id, j.requestId(), Str0255.of(e.code())));
            return;
        }
        c.jobs.put(jobId, new SentJob(jobId, job, c.extranoncePrefix, null, c.target, false));
        trimJobs(c);
        out.send(new Sv2Mining.SetCustomMiningJobSuccess(c.id, j.requestId(), jobId.value()));
        log.debug("{}: custom job {} on channel {} ({}, revenue weight {})", connectionId, jobId.value(), c.id,
                job.templateSource(), job.revenueWeight());
    }

    /**
     * Shares remembered per custom job for duplicate checks. Smaller than a pool job's filter: a
     * proxy declares a new job for every template, and a full filter only asks for the next one.
     */
    private static final int CUSTOM_JOB_SHARES = 1 << 16;

    // ------------------------------------------------------------------ shares

    private void submitStandard(Sv2Mining.SubmitSharesStandard s) {
        Channel c = channels.get(s.channelId());
        if (c == null || c.extended) {
            shareError(s.channelId(), s.sequenceNumber(), Sv2ErrorCodes.INVALID_CHANNEL_ID);
            return;
        }
        SentJob sent = c.jobs.get(JobId.of(s.jobId()));
        if (sent == null) {
            shareError(c.id, s.sequenceNumber(), Sv2ErrorCodes.INVALID_JOB_ID);
            return;
        }
        int version = (int) s.version();
        if (!versionAllowed(sent.job(), version)) {
            shareError(c.id, s.sequenceNumber(), Sv2ErrorCodes.INVALID_VERSION);
            return;
        }
        Target target = Target.easier(sent.target(), c.target);
        Difficulty credited = Difficulty.of(target.difficulty());
        ShareOutcome outcome = pool.shares().processHeader(new ShareProcessor.HeaderSubmission(c.worker,
                c.channelId, sent.job(), sent.stale(), target, credited, sent.extranoncePrefix(),
                sent.merkleRoot(), (int) s.ntime(), (int) s.nonce(), version), PROTOCOL);
        answer(c, s.sequenceNumber(), outcome, credited);
    }

    private void submitExtended(Sv2Mining.SubmitSharesExtended s) {
        Channel c = channels.get(s.channelId());
        if (c == null || !c.extended) {
            shareError(s.channelId(), s.sequenceNumber(), Sv2ErrorCodes.INVALID_CHANNEL_ID);
            return;
        }
        SentJob sent = c.jobs.get(JobId.of(s.jobId()));
        if (sent == null) {
            shareError(c.id, s.sequenceNumber(), Sv2ErrorCodes.INVALID_JOB_ID);
            return;
        }
        if (s.extranonce().length() != c.clientExtranonceSize) {
            shareError(c.id, s.sequenceNumber(), Sv2ErrorCodes.INVALID_EXTRANONCE_SIZE);
            return;
        }
        int version = (int) s.version();
        if (!versionAllowed(sent.job(), version)) {
            shareError(c.id, s.sequenceNumber(), Sv2ErrorCodes.INVALID_VERSION);
            return;
        }
        Worker worker = s.userIdentity().map(id -> workerNamed(c.worker, id)).orElse(c.worker);
        Target target = Target.easier(sent.target(), c.target);
        Difficulty credited = Difficulty.of(target.difficulty());
        ShareOutcome outcome = pool.shares().process(new ShareProcessor.Submission(worker, c.channelId,
                sent.job(), sent.stale(), target, credited, sent.extranoncePrefix(), s.extranonce().toArray(),
                (int) s.ntime(), (int) s.nonce(), version), PROTOCOL);
        answer(c, s.sequenceNumber(), outcome, credited);
    }

    /**
     * Extension 0x0002 (worker-specific hashrate tracking): a proxy names the device behind each share.
     * The share stays credited to the channel's account; the device becomes its worker name.
     */
    private static Worker workerNamed(Worker channelWorker, String identity) {
        String username = Worker.userOf(identity).equals(channelWorker.user()) ? identity
                : channelWorker.user() + "." + identity;
        return new Worker(username, channelWorker.user(), Worker.workerNameOf(username), channelWorker.mode(),
                channelWorker.payout());
    }

    /** Only the pool's rollable bits may differ from the job's version. */
    private boolean versionAllowed(Job job, int version) {
        int mask = pool.versionMask();
        return ((version ^ job.version()) & ~mask) == 0;
    }

    private void answer(Channel c, long sequence, ShareOutcome outcome, Difficulty difficulty) {
        ShareVerdict verdict = outcome.verdict();
        if (verdict != ShareVerdict.NOT_RECORDED) { // stale shares are an honest miner's, not invalid
            pool.policy().autoBans().onShare(out.peer(), verdict != ShareVerdict.ACCEPTED && verdict != ShareVerdict.STALE);
        }
        switch (outcome.verdict()) {
            case ACCEPTED -> outcome.durable().whenComplete((v, e) -> out.execute(() -> {
                if (state == State.CLOSED) {
                    return;
                }
                if (e != null) {
                    // counted as accepted already; the ledger's own metrics show the failure
                    refused(c.id, sequence, Sv2ErrorCodes.SHARE_NOT_RECORDED);
                    return;
                }
                acknowledge(c, sequence, difficulty.value());
            }));
            case STALE -> refused(c.id, sequence, Sv2ErrorCodes.STALE_SHARE);
            case DUPLICATE -> refused(c.id, sequence, Sv2ErrorCodes.DUPLICATE_SHARE);
            case LOW_DIFFICULTY -> refused(c.id, sequence, Sv2ErrorCodes.DIFFICULTY_TOO_LOW);
            case BAD_NTIME -> refused(c.id, sequence, Sv2ErrorCodes.INVALID_TIMESTAMP);
            case NOT_RECORDED -> refused(c.id, sequence, Sv2ErrorCodes.SHARE_NOT_RECORDED);
            default -> refused(c.id, sequence, outcome.verdict().name().toLowerCase(Locale.ROOT));
        }
        if (outcome.verdict() == ShareVerdict.ACCEPTED) {
            c.vardiff.onShare(System.nanoTime()).ifPresent(next -> retarget(c, next));
        }
    }

    private void acknowledge(Channel c, long sequence, double difficulty) {
        c.batchCount++;
        c.batchSum += difficulty;
        c.lastSequence = sequence;
        if (c.batchCount >= settings.successBatch()) {
            flush(c);
        }
    }

    private void flush(Channel c) {
        if (c.batchCount == 0 || !channels.containsKey(c.id)) {
            return;
        }
        // new_shares_sum is a U64: fractional regtest difficulties round to whole units
        out.send(new Sv2Mining.SubmitSharesSuccess(c.id, c.lastSequence, c.batchCount, Math.round(c.batchSum)));
        c.batchCount = 0;
        c.batchSum = 0;
    }

    /** A share the session refused before the share processor saw it: counted here. */
    private void shareError(long channelId, long sequence, String code) {
        pool.metrics().shareRejected(PROTOCOL, code);
        if (!Sv2ErrorCodes.STALE_SHARE.equals(code)) {
            pool.policy().autoBans().onShare(out.peer(), true);
        }
        refused(channelId, sequence, code);
    }

    /** SubmitShares.Error only (the share processor already counted its own verdicts). */
    private void refused(long channelId, long sequence, String code) {
        out.send(new Sv2Mining.SubmitSharesError(channelId, sequence, Str0255.of(code)));
    }

    // ------------------------------------------------------------------ targets

    /** Difficulty at which {@code hashrate} finds one share per target interval; the vardiff start if unknown. */
    private Difficulty difficultyForHashrate(float hashrate, Channel c) {
        if (!(hashrate > 0) || Float.isInfinite(hashrate)) {
            return c.vardiff.current();
        }
        double seconds = pool.vardiff().targetShareInterval().toNanos() / 1e9;
        return c.vardiff.suggest(Difficulty.of(hashrate * seconds / HASHES_PER_DIFFICULTY_1), System.nanoTime());
    }

    /** The vardiff target, never easier than what the device said it can take. */
    private static Target targetFor(Channel c, Difficulty difficulty) {
        Target t = difficulty.toTarget();
        return t.compareTo(c.maxTarget) > 0 ? c.maxTarget : t;
    }

    /** Applies a new target: SetTarget, then the current work again as a new job carrying it. */
    private void retarget(Channel c, Difficulty difficulty) {
        Target t = targetFor(c, difficulty);
        if (t.equals(c.target)) {
            return;
        }
        c.target = t;
        out.send(new Sv2Mining.SetTarget(c.id, u256(t)));
        Template template = pool.currentTemplate().get();
        if (template != null && c.prevHash != null) {
            sendWork(c, template, movesTip(c, template));
        }
    }

    // ------------------------------------------------------------------ outbound work

    /** A new template was published; called on this session's event loop. */
    public void onTemplate(Template template) {
        if (state != State.READY) {
            return;
        }
        if (groupable()) {
            sendGroupWork(template);
            return;
        }
        for (Channel c : channels.values()) {
            // by prevhash, not template.newTip(): the channel may already have this tip (see movesTip)
            sendWork(c, template, movesTip(c, template));
        }
    }

    /** About once a second: flushes partial acknowledgement batches; every few seconds re-evaluates vardiff. */
    @Override
    public void onTick() {
        if (state != State.READY) {
            return;
        }
        boolean vardiffRound = ++ticks % 5 == 0;
        for (Channel c : List.copyOf(channels.values())) {
            flush(c);
            if (vardiffRound) {
                c.vardiff.evaluate(System.nanoTime()).ifPresent(next -> retarget(c, next));
            }
        }
    }

    private void sendWork(Channel c, Template template, boolean newTip) {
        Job job;
        try {
            job = template.jobFor(c.worker.payout(), c.jobExtranonceSize());
        } catch (RuntimeException e) {
            log.error("{}: cannot build a job for {}: {}", connectionId, c.worker.payout().describe(), e.getMessage());
            return;
        }
        if (newTip) {
            // Jobs on the previous tip stay known, so a late solve on them is still detected and shares
            // get stale-share; jobs of older tips go (each holds a duplicate filter: memory matters).
            c.jobs.values().removeIf(SentJob::stale);
            c.jobs.replaceAll((k, v) -> v.asStale());
        }
        JobId jobId = newJobId();
        byte[] merkleRoot = remember(c, jobId, job);
        OptionalLong minNtime = newTip ? OptionalLong.empty() : OptionalLong.of(job.ntime() & 0xffffffffL);
        long version = job.version() & 0xffffffffL;
        if (c.extended) {
            List<U256> path = new ArrayList<>();
            for (byte[] step : job.work().branch().steps()) {
                path.add(U256.of(step));
            }
            out.send(new Sv2Mining.NewExtendedMiningJob(c.id, jobId.value(), minNtime, version, pool.versionMask() != 0, path,
                    Bytes.of(job.work().coinbasePrefixBytes()), Bytes.of(job.work().coinbaseSuffixBytes())));
        } else {
            out.send(new Sv2Mining.NewMiningJob(c.id, jobId.value(), minNtime, version, U256.of(merkleRoot)));
        }
        if (newTip) {
            c.prevHash = template.blockTemplate().previousBlockHash();
            out.send(new Sv2Mining.SetNewPrevHash(c.id, jobId.value(), U256.of(c.prevHash), job.ntime() & 0xffffffffL,
                    job.nbits() & 0xffffffffL));
        }
    }

    private JobId newJobId() {
        JobId id = JobId.of(nextJobId);
        nextJobId = nextJobId == 0xffffffffL ? 1 : nextJobId + 1;
        return id;
    }

    /** Records a job as sent to {@code c}; returns the merkle root a standard channel mines on it. */
    private byte[] remember(Channel c, JobId jobId, Job job) {
        ExtranoncePrefix prefix = c.extranoncePrefix;
        byte[] merkleRoot = c.extended ? null : standardMerkleRoot(job, prefix);
        c.jobs.put(jobId, new SentJob(jobId, job, prefix, merkleRoot, c.target, false));
        trimJobs(c);
        return merkleRoot;
    }

    /**
     * Group jobs (spec 5.2.3, 5.1.2): a connection that accepts extended jobs and has several channels
     * paying the same script with the same full extranonce size gets ONE NewExtendedMiningJob (and one
     * SetNewPrevHash) addressed to its group channel instead of one per channel; standard channels'
     * merkle roots are derived from it with each channel's extranonce prefix, by the client and here.
     */
    private boolean groupable() {
        if (requiresStandardJobs || channels.size() < 2) {
            return false;
        }
        Channel first = channels.values().iterator().next();
        for (Channel c : channels.values()) {
            if (c.prevHash == null || !c.worker.payout().equals(first.worker.payout())
                    || c.jobExtranonceSize() != first.jobExtranonceSize()) {
                return false;
            }
        }
        return true;
    }

    private void sendGroupWork(Template template) {
        Channel first = channels.values().iterator().next();
        Job job;
        try {
            job = template.jobFor(first.worker.payout(), first.jobExtranonceSize());
        } catch (RuntimeException e) {
            log.error("{}: cannot build a job for {}: {}", connectionId, first.worker.payout().describe(), e.getMessage());
            return;
        }
        byte[] tip = template.blockTemplate().previousBlockHash();
        boolean newTip = false;
        for (Channel c : channels.values()) {
            newTip |= movesTip(c, template);
        }
        JobId jobId = newJobId();
        for (Channel c : channels.values()) {
            if (newTip) {
                c.jobs.values().removeIf(SentJob::stale);
                c.jobs.replaceAll((k, v) -> v.asStale());
                c.prevHash = tip;
            }
            remember(c, jobId, job);
        }
        List<U256> path = new ArrayList<>();
        for (byte[] step : job.work().branch().steps()) {
            path.add(U256.of(step));
        }
        OptionalLong minNtime = newTip ? OptionalLong.empty() : OptionalLong.of(job.ntime() & 0xffffffffL);
        out.send(new Sv2Mining.NewExtendedMiningJob(groupChannelId, jobId.value(), minNtime, job.version() & 0xffffffffL,
                pool.versionMask() != 0, path, Bytes.of(job.work().coinbasePrefixBytes()),
                Bytes.of(job.work().coinbaseSuffixBytes())));
        if (newTip) {
            out.send(new Sv2Mining.SetNewPrevHash(groupChannelId, jobId.value(), U256.of(tip), job.ntime() & 0xffffffffL,
                    job.nbits() & 0xffffffffL));
        }
    }

    /**
     * Whether {@code template} is on another tip than the channel's work. The current template can be
     * ahead of the broadcast still queued for this session; its job must then go out as a future job
     * with SetNewPrevHash, never as an active job on the channel's old prevhash.
     */
    private static boolean movesTip(Channel c, Template template) {
        return c.prevHash == null || !Arrays.equals(c.prevHash, template.blockTemplate().previousBlockHash());
    }

    /** The merkle root a standard channel mines: coinbase with the channel's whole extranonce, up the branch. */
    private static byte[] standardMerkleRoot(Job job, ExtranoncePrefix extranonce) {
        byte[] coinbase = job.work().coinbase(extranonce, new byte[0]);
        return job.work().branch().rootFrom(Sha256.hashTwice(coinbase));
    }

    private void trimJobs(Channel c) {
        Iterator<JobId> it = c.jobs.keySet().iterator();
        while (c.jobs.size() > settings.keptJobs() && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private static U256 u256(Target t) {
        return U256.of(t.toLittleEndian());
    }

    // ------------------------------------------------------------------ operator actions

    /**
     * The operator's {@code set-difficulty}: fixes the share difficulty of every channel whose worker
     * matches (clamped to the vardiff bounds, never easier than the device's maximum target), turns
     * vardiff off for them, and sends SetTarget with the current work again. Call on this session's
     * event loop.
     *
     * @return how many channels were changed
     */
    public int fixDifficulty(java.util.function.Predicate<Worker> which, Difficulty difficulty) {
        if (state == State.CLOSED) {
            return 0;
        }
        int n = 0;
        for (Channel c : List.copyOf(channels.values())) {
            if (which.test(c.worker)) {
                retarget(c, c.vardiff.fix(difficulty, System.nanoTime()));
                n++;
            }
        }
        return n;
    }

    /** Graceful shutdown or moving miners: tells the client where to reconnect (empty/0 = the same place). */
    public void reconnect(String host, int port) {
        if (state == State.CLOSED) {
            return;
        }
        for (Channel c : channels.values()) {
            flush(c);
        }
        out.send(new Sv2Common.Reconnect(Str0255.of(host), port));
    }

    /**
     * Gives every channel a new extranonce prefix (SetExtranoncePrefix) and fresh work built on it;
     * jobs sent before are forgotten, their coinbase no longer belongs to the channel.
     */
    public void changeExtranoncePrefixes() {
        if (state != State.READY) {
            return;
        }
        Template template = pool.currentTemplate().get();
        for (Channel c : channels.values()) {
            ExtranoncePrefix fresh = pool.extranonces().allocate();
            pool.extranonces().release(c.allocated);
            c.allocated = fresh;
            c.extranoncePrefix = Channel.prefixFor(fresh, c.extended);
            c.jobs.clear();
            out.send(new Sv2Mining.SetExtranoncePrefix(c.id, Bytes.of(c.extranoncePrefix.toByteArray())));
            if (template != null) {
                sendWork(c, template, movesTip(c, template));
            }
        }
    }

    /** Closes one channel from the server side (CloseChannel to the client). */
    public boolean closeChannel(long channelId, String reason) {
        Channel c = channels.get(channelId);
        if (c == null) {
            return false;
        }
        drop(c);
        out.send(new Sv2Mining.CloseChannel(channelId, Str0255.of(reason)));
        announceGroup();
        return true;
    }

    // ------------------------------------------------------------------ lifecycle

    private void close(String reason) {
        state = State.CLOSED;
        out.close(reason);
    }

    /** The connection is gone: release what it held. */
    @Override
    public void onClosed() {
        state = State.CLOSED;
        for (Channel c : channels.values()) {
            pool.extranonces().release(c.allocated);
        }
        channels.clear();
    }
}
