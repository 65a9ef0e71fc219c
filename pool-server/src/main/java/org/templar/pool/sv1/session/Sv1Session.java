package org.templar.pool.sv1.session;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.ChannelId;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.ShareOutcome;
import org.templar.pool.core.ShareProcessor;
import org.templar.pool.core.ShareVerdict;
import org.templar.pool.core.Vardiff;
import org.templar.pool.core.Worker;
import org.templar.pool.job.Job;
import org.templar.pool.job.JobId;
import org.templar.pool.job.Template;
import org.templar.pool.sv1.codec.Sv1ClientCall;
import org.templar.pool.sv1.codec.Sv1Encoder;
import org.templar.pool.sv1.codec.Sv1Error;
import org.templar.pool.sv1.codec.Sv1Id;
import org.templar.pool.sv1.codec.Sv1Invalid;
import org.templar.pool.sv1.codec.Sv1Message;
import org.templar.pool.sv1.codec.Sv1Methods;
import org.templar.pool.sv1.codec.Sv1Request;
import org.templar.pool.sv1.codec.Sv1Response;
import org.templar.pool.sv1.codec.Sv1Result;
import org.templar.pool.sv1.codec.Sv1ServerCall;
import org.templar.share.Difficulty;
import org.templar.share.ExtranoncePrefix;
import org.templar.share.Hex;
import org.templar.share.Target;

/**
 * One Stratum V1 connection's state machine. It sees typed messages (calls, results and errors from
 * {@code sv1.codec}), never bytes, JSON or channels, and is confined to its connection's event loop:
 * no locks. Request ids are opaque values handed back to the codec with the answer.
 *
 * <p>Difficulty rule: a new difficulty is announced just before the next job and applies to jobs from
 * then on; each job remembers the target it was sent with, so shares on earlier jobs are still judged
 * at the difficulty the miner was told at the time.
 */
public final class Sv1Session {
    private static final Logger log = LoggerFactory.getLogger(Sv1Session.class);
    private static final String PROTOCOL = "sv1";
    /**
     * The ledger could not take an accepted share. No "please resend": the share's hash is kept
     * for duplicate detection, so the same share sent again would be refused as a duplicate.
     */
    private static final String NOT_RECORDED = "Share not recorded: the pool's ledger is busy or failing";
    /** Keys of this protocol's cached job encodings (see {@link Job#encoding}). */
    private static final Object NOTIFY = new Object();
    private static final Object NOTIFY_CLEAN = new Object();
    /** Proxies multiplex rigs over one connection, but names must not grow memory without bound. */
    static final int MAX_WORKERS_PER_CONNECTION = 1024;

    /** A job as this connection received it. */
    private record SentJob(Job job, Target target, Difficulty difficulty, boolean stale) {
        SentJob asStale() {
            return new SentJob(job, target, difficulty, true);
        }
    }

    private final PoolContext pool;
    private final Sv1Settings settings;
    private final Sv1Output out;
    private final String connectionId;
    private final ChannelId channelId; // the connection is the channel its shares are credited to
    private final Vardiff vardiff;

    private ExtranoncePrefix extranonce1;
    private boolean subscribed;
    private boolean extranonceSubscribed;
    private int versionMask; // 0 until mining.configure negotiates version rolling
    private Worker payoutWorker; // first authorized worker: its plan is what the jobs pay
    // Most connections carry one worker name: the others get a map only when they come (a map and
    // its table cost ~180 bytes, for 10,000s of connections that is the point; issue 12).
    private Map<String, Worker> otherWorkers;
    private final SentJobs jobs = new SentJobs();
    private final long openedNanos = System.nanoTime();
    private long lastMessageNanos = openedNanos;
    private Difficulty announcedDifficulty; // null until the first mining.set_difficulty
    private Difficulty pendingDifficulty; // to announce with the next job, or null
    private byte[] currentPrevHash;
    private int protocolErrors;
    private boolean closed;
    private long sharesAccepted;
    private long sharesRejected;

    public Sv1Session(PoolContext pool, Sv1Settings settings, Sv1Output out, String connectionId) {
        this.pool = pool;
        this.settings = settings;
        this.out = out;
        this.connectionId = connectionId;
        this.channelId = ChannelId.connection(connectionId);
        this.vardiff = new Vardiff(pool.vardiff(), System.nanoTime());
    }

    public String connectionId() {
        return connectionId;
    }

    public Optional<ExtranoncePrefix> extranonce1() {
        return Optional.ofNullable(extranonce1);
    }

    public Optional<Worker> worker() {
        return Optional.ofNullable(payoutWorker);
    }

    public Difficulty difficulty() {
        return pendingDifficulty == null ? vardiff.current() : pendingDifficulty;
    }

    public boolean isAuthorized() {
        return payoutWorker != null;
    }

    /** Subscribed and authorized: what a connection must reach within the setup deadline. */
    public boolean isSetUp() {
        return subscribed && payoutWorker != null;
    }

    /** Shares answered accepted (judged so; the ledger may still refuse one) on this connection. */
    public long sharesAccepted() {
        return sharesAccepted;
    }

    /** Shares refused on this connection, for any reason. */
    public long sharesRejected() {
        return sharesRejected;
    }

    // ------------------------------------------------------------------ inbound

    public void onMessage(Sv1Message message) {
        if (closed) {
            return;
        }
        lastMessageNanos = System.nanoTime();
        if (message instanceof Sv1Response) {
            return; // miners answer our notifications sometimes; nothing to do
        }
        if (message instanceof Sv1Invalid invalid) {
            onProtocolError(invalid.id(), invalid.error());
            return;
        }
        Sv1Request request = (Sv1Request) message;
        if (!(request.call() instanceof Sv1ClientCall call)) {
            // the decoder types a miner's lines as miner calls; anything else is not for the pool
            onProtocolError(request.id(), new Sv1Error(Sv1Error.METHOD_NOT_FOUND, "Method not found: " + request.method()));
            return;
        }
        if (call instanceof Sv1ClientCall.Configure c) {
            configure(request.id(), c);
        } else if (call instanceof Sv1ClientCall.Subscribe s) {
            subscribe(request.id(), s);
        } else if (call instanceof Sv1ClientCall.Authorize a) {
            authorize(request.id(), a);
        } else if (call instanceof Sv1ClientCall.SuggestDifficulty d) {
            suggestDifficulty(request.id(), d);
        } else if (call instanceof Sv1ClientCall.ExtranonceSubscribe) {
            extranonceSubscribed = true;
            reply(request.id(), Sv1Result.TRUE);
        } else if (call instanceof Sv1ClientCall.Submit s) {
            submit(request.id(), s);
        }
    }

    /** Input that could not even be decoded into a message (bad JSON, wrong envelope). */
    public void onProtocolError(Sv1Id id, Sv1Error error) {
        if (closed) {
            return;
        }
        lastMessageNanos = System.nanoTime();
        out.send(Sv1Response.error(id, error));
        if (++protocolErrors >= settings.maxProtocolErrors()) {
            close("too many protocol errors (" + protocolErrors + ")");
        }
    }

    private void configure(Sv1Id id, Sv1ClientCall.Configure c) {
        List<String> unsupported = new ArrayList<>();
        for (String ext : c.extensions()) {
            if (!ext.equals("version-rolling")) {
                unsupported.add(ext);
            }
        }
        boolean rolling = c.wantsVersionRolling() && pool.versionMask() != 0;
        if (c.wantsVersionRolling()) {
            // min-bit-count is advisory (BIP310): never a reason to refuse or disconnect
            versionMask = pool.versionMask() & c.versionRollingMask().orElse(0xffffffff);
        }
        reply(id, new Sv1Result.Configured(rolling, versionMask, unsupported));
    }

    private void subscribe(Sv1Id id, Sv1ClientCall.Subscribe s) {
        if (subscribed) {
            reply(id, new Sv1Result.Subscribed(extranonce1.toHex(), extranonce1, settings.extranonce2Size()));
            return;
        }
        ExtranoncePrefix wanted = s.resumeSessionId().filter(h -> h.length() == 8 && Hex.isHex(h, 4))
                .map(ExtranoncePrefix::parse).orElse(null);
        extranonce1 = wanted != null ? pool.extranonces().resume(wanted) : pool.extranonces().allocate();
        subscribed = true;
        String sessionId = extranonce1.toHex();
        reply(id, new Sv1Result.Subscribed(sessionId, extranonce1, settings.extranonce2Size()));
        log.debug("{} subscribed ({}) extranonce1 {}{}", connectionId, s.userAgent().orElse("no agent"), sessionId,
                extranonce1.equals(wanted) ? " (resumed)" : "");
        if (isAuthorized()) {
            sendFirstWork();
        }
    }

    private void authorize(Sv1Id id, Sv1ClientCall.Authorize a) {
        Worker worker;
        try {
            worker = pool.authorizer().authorize(a.username());
        } catch (Authorizer.AuthorizationException e) {
            out.send(Sv1Response.error(id, new Sv1Error(Sv1Error.UNAUTHORIZED, e.getMessage())));
            pool.policy().autoBans().onAuthFailure(out.peer());
            return;
        }
        if (payoutWorker != null && !payoutWorker.payout().equals(worker.payout())) {
            out.send(Sv1Response.error(id, new Sv1Error(Sv1Error.UNAUTHORIZED,
                    "this connection already mines for " + payoutWorker.user() + "; open another connection for " + worker.user())));
            return;
        }
        boolean first = payoutWorker == null;
        boolean newName;
        if (first || payoutWorker.username().equals(worker.username())) {
            newName = first;
            payoutWorker = worker; // same payout (checked above): the newest authorization of the name counts
        } else {
            if (otherWorkers == null) {
                otherWorkers = new HashMap<>(4);
            }
            if (!otherWorkers.containsKey(worker.username()) && 1 + otherWorkers.size() >= MAX_WORKERS_PER_CONNECTION) {
                out.send(Sv1Response.error(id, new Sv1Error(Sv1Error.UNAUTHORIZED,
                        "at most " + MAX_WORKERS_PER_CONNECTION + " worker names per connection")));
                return;
            }
            newName = otherWorkers.put(worker.username(), worker) == null;
        }
        if (newName) {
            pool.policy().log().info("{} authorized as {} from {}", connectionId, worker.username(), peerText());
        }
        reply(id, Sv1Result.TRUE);
        fixDifficultyFromPassword(a.password());
        if (first && subscribed) {
            sendFirstWork();
        }
    }

    /** {@code d=NUMBER} in the password: that difficulty (within the pool's bounds), and no vardiff. */
    private void fixDifficultyFromPassword(String password) {
        var wanted = org.templar.pool.core.PasswordOptions.parse(password).difficulty();
        if (wanted.isEmpty()) {
            return;
        }
        Difficulty applied = fixDifficulty(wanted.get());
        log.debug("{} fixed difficulty {} (asked {})", connectionId, applied.value(), wanted.get().value());
    }

    /**
     * Pins this connection's difficulty (clamped to the pool's bounds) and turns vardiff off for it;
     * announced at once with the current job. Call on the session's event loop.
     *
     * @return the difficulty applied
     */
    public Difficulty fixDifficulty(Difficulty difficulty) {
        Difficulty applied = vardiff.fix(difficulty, System.nanoTime());
        if (!jobs.isEmpty()) {
            pendingDifficulty = applied;
            resendCurrentJob();
        }
        return applied;
    }

    private void suggestDifficulty(Sv1Id id, Sv1ClientCall.SuggestDifficulty d) {
        Difficulty applied = vardiff.suggest(Difficulty.of(d.difficulty()), System.nanoTime());
        reply(id, Sv1Result.TRUE);
        if (jobs.isEmpty()) {
            return; // first work will announce it
        }
        // Announce now with the current job again so the miner need not wait for the next block.
        pendingDifficulty = applied;
        resendCurrentJob();
    }

    private void submit(Sv1Id id, Sv1ClientCall.Submit s) {
        if (!subscribed) {
            rejectShare(id, Sv1Error.notSubscribed(), "not subscribed");
            return;
        }
        Worker worker = worker(s.worker());
        if (worker == null) {
            rejectShare(id, Sv1Error.unauthorized(), "unauthorized");
            return;
        }
        // A miner echoes the id it was sent; any other text names no job of this pool (stale, as before)
        SentJob sent = JobId.is(s.jobId()) ? jobs.get(JobId.parse(s.jobId())) : null;
        if (sent == null) {
            rejectShare(id, Sv1Error.stale(), "stale");
            return;
        }
        if (s.extranonce2().length != settings.extranonce2Size()) {
            rejectShare(id, Sv1Error.other("Incorrect size of extranonce2: expected " + settings.extranonce2Size() + " bytes"),
                    "bad extranonce2");
            return;
        }
        int version = sent.job().version();
        if (s.versionBits().isPresent()) {
            int bits = s.versionBits().get();
            if ((bits & ~versionMask) != 0) {
                rejectShare(id, Sv1Error.other("Invalid version bits: outside the negotiated mask "
                        + Sv1Methods.hex32(versionMask)), "bad version");
                return;
            }
            version = (version & ~versionMask) | (bits & versionMask);
        }
        ShareOutcome outcome = pool.shares().process(new ShareProcessor.Submission(worker, channelId, sent.job(),
                sent.stale(), sent.target(), sent.difficulty(), extranonce1, s.extranonce2(), s.ntime(), s.nonce(),
                version), PROTOCOL);
        ShareVerdict verdict = outcome.verdict();
        if (verdict == ShareVerdict.ACCEPTED) {
            sharesAccepted++;
        } else {
            sharesRejected++;
        }
        if (verdict != ShareVerdict.NOT_RECORDED) { // a stale share is an honest miner's late one, not an invalid one
            pool.policy().autoBans().onShare(out.peer(), verdict != ShareVerdict.ACCEPTED && verdict != ShareVerdict.STALE);
        }
        switch (outcome.verdict()) {
            case ACCEPTED:
                onAccepted();
                outcome.durable().whenComplete((v, e) -> out.execute(() -> {
                    if (e == null) {
                        reply(id, Sv1Result.TRUE);
                    } else {
                        // counted as accepted already; the ledger's own metrics show the failure
                        out.send(Sv1Response.error(id, Sv1Error.other(NOT_RECORDED)));
                    }
                }));
                return;
            case NOT_RECORDED:
                out.send(Sv1Response.error(id, Sv1Error.other(NOT_RECORDED)));
                return;
            case STALE:
                out.send(Sv1Response.error(id, Sv1Error.stale()));
                return;
            case DUPLICATE:
                out.send(Sv1Response.error(id, Sv1Error.duplicate()));
                return;
            case LOW_DIFFICULTY:
                out.send(Sv1Response.error(id, Sv1Error.lowDifficulty()));
                return;
            case BAD_NTIME:
                out.send(Sv1Response.error(id, Sv1Error.other("Ntime out of range")));
                return;
            default:
                out.send(Sv1Response.error(id, Sv1Error.other("Share rejected: " + outcome.verdict())));
        }
    }

    /** The authorized worker of that name on this connection, or null. */
    private Worker worker(String username) {
        if (payoutWorker != null && payoutWorker.username().equals(username)) {
            return payoutWorker;
        }
        return otherWorkers == null ? null : otherWorkers.get(username);
    }

    private void rejectShare(Sv1Id id, Sv1Error error, String reason) {
        pool.metrics().shareRejected(PROTOCOL, reason);
        sharesRejected++;
        // a job id the connection forgot is an honest miner's late share, not an invalid one
        pool.policy().autoBans().onShare(out.peer(), !"stale".equals(reason));
        out.send(Sv1Response.error(id, error));
    }

    private String peerText() {
        java.net.InetAddress a = out.peer();
        return a == null ? "?" : a.getHostAddress();
    }

    private void onAccepted() {
        vardiff.onShare(System.nanoTime()).ifPresent(next -> pendingDifficulty = next); // announced with the next job
    }

    // ------------------------------------------------------------------ outbound work

    /** A new template was published; called on this session's event loop. */
    public void onTemplate(Template template) {
        if (closed || !subscribed || payoutWorker == null) {
            return;
        }
        sendJob(template, template.newTip() || currentPrevHash == null
                || !Arrays.equals(currentPrevHash, template.blockTemplate().previousBlockHash()));
    }

    /**
     * Closes the connection if no message (not even a malformed one) arrived for {@code idleNanos};
     * returns whether it did. Called with the vardiff tick, which saves every connection an idle timer
     * of its own (a handler, a scheduled task and their context: ~260 bytes each; issue 12).
     */
    public boolean closeIfSilentFor(long idleNanos, long now) {
        if (closed || now - lastMessageNanos < idleNanos) {
            return false;
        }
        pool.metrics().connectionTimedOut("sv1", "idle");
        close("no complete message for too long");
        return true;
    }

    /**
     * Closes a connection that has not subscribed and authorized within {@code setupNanos} of opening
     * (it only holds a slot); returns whether it did. Called with the same sweep as
     * {@link #closeIfSilentFor}, instead of a deadline task per connection.
     */
    public boolean closeIfNotSetUpWithin(long setupNanos, long now) {
        if (closed || isSetUp() || now - openedNanos < setupNanos) {
            return false;
        }
        pool.metrics().connectionTimedOut("sv1", "setup");
        close("not subscribed and authorized within " + java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(setupNanos)
                + " s");
        return true;
    }

    /** Periodic check (a few times a minute): lowers the difficulty of a miner that stopped finding shares. */
    public void onTick() {
        if (closed || jobs.isEmpty()) {
            return;
        }
        Optional<Difficulty> next = vardiff.evaluate(System.nanoTime());
        if (next.isPresent()) {
            pendingDifficulty = next.get();
            resendCurrentJob();
        }
    }

    private void sendFirstWork() {
        Template t = pool.currentTemplate().get();
        if (t != null) {
            sendJob(t, true);
        }
    }

    private void resendCurrentJob() {
        Template t = pool.currentTemplate().get();
        if (t != null) {
            sendJob(t, false);
        }
    }

    private void sendJob(Template template, boolean cleanJobs) {
        Job job;
        try {
            job = template.jobFor(payoutWorker.payout(), extranonce1.size() + settings.extranonce2Size());
        } catch (RuntimeException e) {
            log.error("{}: cannot build a job for {}: {}", connectionId, payoutWorker.payout().describe(), e.getMessage());
            out.send(Sv1Request.notification(new Sv1ServerCall.ShowMessage("The pool cannot build work for you: "
                    + e.getMessage())));
            return;
        }
        if (cleanJobs) {
            // Every job sent so far was built on an older tip: shares for them are stale, but they stay
            // known for a while so that a late solve on them is still detected and submitted.
            jobs.markAllStale();
            currentPrevHash = template.blockTemplate().previousBlockHash();
        }
        Difficulty difficulty = vardiff.current();
        if (pendingDifficulty != null) {
            difficulty = pendingDifficulty;
            pendingDifficulty = null;
        }
        if (!difficulty.equals(announcedDifficulty)) {
            out.send(Sv1Request.notification(new Sv1ServerCall.SetDifficulty(difficulty.value())));
            announcedDifficulty = difficulty;
        }
        SentJob previous = jobs.get(job.id());
        if (previous != null && !previous.stale() && previous.difficulty().equals(difficulty)) {
            return; // the miner has exactly this job already
        }
        // A job id is sent with one difficulty: if the same job goes out again at a new difficulty, shares
        // on it are judged at the easier of the two (the miner may still have the old one in flight).
        Target target = difficulty.toTarget();
        if (previous != null && !previous.stale()) {
            target = Target.easier(target, previous.target());
            difficulty = difficulty.min(previous.difficulty());
        }
        jobs.putNewest(new SentJob(job, target, difficulty, false), settings.keptJobs());
        out.sendLine(job.encoding(cleanJobs ? NOTIFY_CLEAN : NOTIFY, j -> notifyLine(j, cleanJobs)));
    }

    /** A job's mining.notify as the bytes of its line, newline included: encoded once, sent to every miner of it. */
    private static byte[] notifyLine(Job job, boolean cleanJobs) {
        StringBuilder sb = new StringBuilder(1024);
        Sv1Encoder.encode(Sv1Request.notification(new Sv1ServerCall.Notify(job.id().toString(),
                job.template().blockTemplate().previousBlockHash(), job.coinbase().prefix(), job.coinbase().suffix(),
                job.template().merkleBranch().steps(), job.version(), job.nbits(), job.ntime(), cleanJobs)), sb);
        return sb.append('\n').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The jobs this connection was sent, oldest first, at most {@code keptJobs} of them. An array
     * scanned from the newest end rather than a linked hash map: a connection keeps 1 to 32 jobs, the
     * share being judged is nearly always on the newest, and a map would cost a 40-byte node per job
     * plus its table on every one of tens of thousands of connections (issue 12).
     */
    private static final class SentJobs {
        private SentJob[] items = new SentJob[2];
        private int size;

        boolean isEmpty() {
            return size == 0;
        }

        SentJob get(JobId jobId) {
            for (int i = size - 1; i >= 0; i--) {
                if (items[i].job().id().equals(jobId)) {
                    return items[i];
                }
            }
            return null;
        }

        /** Adds {@code sent} as the newest (replacing an entry of the same job id), then keeps the newest {@code kept}. */
        void putNewest(SentJob sent, int kept) {
            JobId id = sent.job().id();
            for (int i = size - 1; i >= 0; i--) {
                if (items[i].job().id().equals(id)) {
                    System.arraycopy(items, i + 1, items, i, size - i - 1);
                    size--;
                    break;
                }
            }
            if (size == items.length) {
                items = Arrays.copyOf(items, Math.max(items.length + 1, Math.min(items.length * 2, kept + 1)));
            }
            items[size++] = sent;
            if (size > kept) {
                int drop = size - Math.max(kept, 1);
                System.arraycopy(items, drop, items, 0, size - drop);
                Arrays.fill(items, size - drop, size, null);
                size -= drop;
            }
        }

        void markAllStale() {
            for (int i = 0; i < size; i++) {
                if (!items[i].stale()) {
                    items[i] = items[i].asStale();
                }
            }
        }

        void clear() {
            Arrays.fill(items, 0, size, null);
            size = 0;
        }
    }

    // ------------------------------------------------------------------ operator actions

    /** Tells the miner to reconnect (graceful shutdown, moving miners); the connection closes after. */
    public void reconnect(String host, int port, int waitSeconds) {
        out.send(Sv1Request.notification(host == null
                ? new Sv1ServerCall.Reconnect(Optional.empty(), java.util.OptionalInt.empty(), 0)
                : new Sv1ServerCall.Reconnect(Optional.of(host), java.util.OptionalInt.of(port), waitSeconds)));
    }

    public void showMessage(String text) {
        out.send(Sv1Request.notification(new Sv1ServerCall.ShowMessage(text)));
    }

    /**
     * Gives the connection a new extranonce1 (only for miners that sent mining.extranonce.subscribe;
     * returns false otherwise). Jobs sent before are stale afterwards: their coinbase no longer fits.
     */
    public boolean changeExtranonce() {
        if (!extranonceSubscribed || !subscribed) {
            return false;
        }
        ExtranoncePrefix fresh = pool.extranonces().allocate();
        pool.extranonces().release(extranonce1);
        extranonce1 = fresh;
        out.send(Sv1Request.notification(new Sv1ServerCall.SetExtranonce(extranonce1, settings.extranonce2Size())));
        jobs.clear();
        if (payoutWorker != null) {
            Template t = pool.currentTemplate().get();
            if (t != null) {
                sendJob(t, true);
            }
        }
        return true;
    }

    /** Announces a new version-rolling mask (operator changed policy); only after negotiation. */
    public void changeVersionMask(int serverMask) {
        if (versionMask == 0) {
            return;
        }
        versionMask = versionMask & serverMask;
        out.send(Sv1Request.notification(new Sv1ServerCall.SetVersionMask(versionMask)));
    }

    // ------------------------------------------------------------------ lifecycle

    private void reply(Sv1Id id, Sv1Result result) {
        if (!id.isNull()) {
            out.send(Sv1Response.ok(id, result));
        }
    }

    private void close(String reason) {
        closed = true;
        out.close(reason);
    }

    /** The connection is gone: release what it held. */
    public void onClosed() {
        closed = true;
        if (extranonce1 != null) {
            pool.extranonces().release(extranonce1);
        }
    }
}
