package org.templar.client.miner;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.sv1.codec.Sv1Decoder;
import org.templar.pool.sv1.codec.Sv1Error;
import org.templar.pool.sv1.codec.Sv1Invalid;
import org.templar.pool.sv1.codec.Sv1Message;
import org.templar.pool.sv1.codec.Sv1Methods;
import org.templar.pool.sv1.codec.Sv1ProtocolException;
import org.templar.pool.sv1.codec.Sv1Request;
import org.templar.pool.sv1.codec.Sv1Response;
import org.templar.pool.sv1.codec.Sv1Result;
import org.templar.pool.sv1.codec.Sv1ServerCall;
import org.templar.share.Difficulty;
import org.templar.share.Hex;
import org.templar.share.JobWork;
import org.templar.share.MerkleBranch;

/**
 * The miner's side of one Stratum V1 connection as a state machine over typed messages: it never sees a
 * Channel or a ByteBuf, and runs confined to the connection's event loop (no locks on its state).
 *
 * <p>Handshake, one step at a time so no pool can be confused by ordering: {@code mining.configure}
 * (when version rolling is enabled) -> {@code mining.subscribe} -> {@code mining.suggest_difficulty}
 * (optional) + {@code mining.authorize} + {@code mining.extranonce.subscribe}. Jobs are accepted as soon as
 * we are subscribed; shares go out after authorize, which the pool reads first (TCP keeps order).
 */
final class MinerSession {
    private static final Logger LOG = LoggerFactory.getLogger(MinerSession.class);
    private static final int LIVE_JOBS = 16;
    private static final int MAX_PENDING = 4096;

    /** What the session asks of its transport and owner. */
    interface Link {
        void send(Sv1Message message);

        /** client.reconnect: drop this connection and connect to the given place after {@code wait}. */
        void reconnect(Optional<String> host, OptionalInt port, Duration wait);

        /** An unrecoverable refusal (e.g. bad credentials): stop mining. */
        void fatal(String reason);

        /** The pool's session id for this subscription, to offer back when we reconnect. */
        default void subscribed(String sessionId) {}

        /** The handshake completed: the connection is good, reset the reconnect backoff. */
        void established();

        /** A submitted share was answered (limits may now be reached). */
        void shareAnswered();
    }

    /** Where new work goes (the hashing threads); null = stop hashing. */
    interface WorkBoard {
        void publish(MinerJob job);
    }

    enum State { CONFIGURING, SUBSCRIBING, AUTHORIZING, AUTHORIZED }

    private sealed interface Pending {}
    private record ConfigurePending() implements Pending {}
    private record SubscribePending() implements Pending {}
    private record AuthorizePending() implements Pending {}
    private record InfoPending(String method) implements Pending {}
    private record SubmitPending(FoundShare share) implements Pending {}

    private final MinerConfig config;
    private final Optional<String> resumeSessionId;
    private final Link link;
    private final WorkBoard board;
    private final MinerCounters counters;
    private final AtomicLong jobSequence;
    /** Requests awaiting an answer; bounded so a pool that never answers submits cannot grow it forever. */
    private final LinkedHashMap<Long, Pending> pending = new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Pending> eldest) {
            return size() > MAX_PENDING;
        }
    };
    /** Jobs shares may still be submitted for; clean_jobs empties it. Insertion order = age. */
    private final LinkedHashMap<String, MinerJob> liveJobs = new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, MinerJob> eldest) {
            return size() > LIVE_JOBS;
        }
    };

    private State state;
    private long nextId = 1;
    private byte[] extranonce1;
    private int extranonce2Size;
    private byte[] nextExtranonce1;
    private int nextExtranonce2Size;
    private int versionMask;
    /** set_difficulty takes effect with the next job, as the pool promises. */
    private Difficulty nextDifficulty = Difficulty.of(1);
    private MinerJob currentJob;
    private boolean closed;

    MinerSession(MinerConfig config, Link link, WorkBoard board, MinerCounters counters, AtomicLong jobSequence) {
        this(config, link, board, counters, jobSequence, Optional.empty());
    }

    /** @param resumeSessionId the session id of our previous connection, if any */
    MinerSession(MinerConfig config, Link link, WorkBoard board, MinerCounters counters, AtomicLong jobSequence,
            Optional<String> resumeSessionId) {
        this.resumeSessionId = resumeSessionId;
        this.config = config;
        this.link = link;
        this.board = board;
        this.counters = counters;
        this.jobSequence = jobSequence;
    }

    State state() {
        return state;
    }

    int versionMask() {
        return versionMask;
    }

    /** The connection is up: open the handshake. */
    void start() {
        if (config.versionRolling()) {
            state = State.CONFIGURING;
            send(MinerRequests.configureVersionRolling(track(new ConfigurePending()), MinerConfig.BIP320_MASK));
        } else {
            subscribe();
        }
    }

    /** The connection is gone: the work belongs to it (extranonce1), so stop hashing it. */
    void stop() {
        closed = true;
        currentJob = null;
        liveJobs.clear();
        board.publish(null);
    }

    void onMessage(Sv1Message message) {
        if (closed) {
            return;
        }
        if (message instanceof Sv1Response r) {
            onResponse(r);
        } else if (message instanceof Sv1Request r) {
            handle(r);
        } else if (message instanceof Sv1Invalid i) {
            onInvalid(i);
        }
    }

    /** A hashing thread found a share (delivered on this session's event loop). */
    void onShareFound(FoundShare share) {
        if (closed) {
            return;
        }
        MinerJob live = liveJobs.get(share.job().jobId());
        boolean sameWork = live != null && live.work() == share.job().work()
                && Arrays.equals(live.extranonce1Bytes(), share.job().extranonce1Bytes());
        // A share for a cancelled job, or with bits a newer mask forbids, would only be rejected.
        if (!sameWork || (share.versionBits() & ~versionMask) != 0) {
            counters.discarded();
            LOG.debug("discarding share for cancelled job {}", share.job().jobId());
            return;
        }
        long id = track(new SubmitPending(share));
        Optional<Integer> bits = versionMask != 0 ? Optional.of(share.versionBits()) : Optional.empty();
        send(MinerRequests.submit(id, config.user(), share, bits));
        if (share.meetsNetworkTarget()) {
            LOG.info("block candidate {} on job {}, submitting", share.hashHex(), share.job().jobId());
        }
    }

    // ---- responses ----

    private void onResponse(Sv1Response r) {
        Pending p = r.id().asLong().isPresent() ? pending.remove(r.id().asLong().getAsLong()) : null;
        if (p == null) {
            LOG.debug("response to unknown id {}", r.id());
            return;
        }
        if (p instanceof ConfigurePending) {
            onConfigured(r);
        } else if (p instanceof SubscribePending) {
            onSubscribed(r);
        } else if (p instanceof AuthorizePending) {
            onAuthorized(r);
        } else if (p instanceof SubmitPending s) {
            onShareAnswer(s.share(), r);
        } else if (p instanceof InfoPending i && r.isError()) {
            // suggest_difficulty / extranonce.subscribe are optional: a pool may not know them.
            LOG.debug("pool declined {}: {}", i.method(), r.error().message());
        }
    }

    private void onConfigured(Sv1Response r) {
        int mask = 0;
        if (!r.isError()) {
            try {
                Sv1Result.Configured granted = Sv1Decoder.configured(r.result());
                // Never roll a bit we did not ask for, whatever the pool says.
                mask = granted.versionRolling() ? granted.mask() & MinerConfig.BIP320_MASK : 0;
            } catch (Sv1ProtocolException e) {
                LOG.warn("pool granted version rolling with an unreadable mask: {}", e.getMessage());
            }
        }
        versionMask = mask;
        if (mask == 0) {
            LOG.info("pool did not grant version rolling; mining with the job's version only");
        } else {
            LOG.info("version rolling negotiated, mask {}", Sv1Methods.hex32(mask));
        }
        subscribe();
    }

    private void subscribe() {
        state = State.SUBSCRIBING;
        send(MinerRequests.subscribe(track(new SubscribePending()), config.userAgent(), resumeSessionId));
    }

    private void onSubscribed(Sv1Response r) {
        if (r.isError()) {
            link.fatal("pool refused mining.subscribe: " + r.error().message());
            return;
        }
        Sv1Result.Subscribed subscription;
        try {
            subscription = Sv1Decoder.subscribed(r.result());
        } catch (Sv1ProtocolException e) {
            link.fatal((e.getMessage().startsWith("unusable") ? "pool sent " : "pool refused mining.subscribe: ")
                    + e.getMessage());
            return;
        }
        extranonce1 = subscription.extranonce1().toByteArray();
        extranonce2Size = subscription.extranonce2Size();
        LOG.info("subscribed: extranonce1 {}, extranonce2 size {}", Hex.encode(extranonce1), extranonce2Size);
        if (!subscription.sessionId().isEmpty()) {
            link.subscribed(subscription.sessionId());
        }
        state = State.AUTHORIZING;
        config.suggestDifficulty().ifPresent(d ->
                send(MinerRequests.suggestDifficulty(track(new InfoPending(Sv1Methods.SUGGEST_DIFFICULTY)), d)));
        send(MinerRequests.authorize(track(new AuthorizePending()), config.user(), config.password()));
        send(MinerRequests.extranonceSubscribe(track(new InfoPending(Sv1Methods.EXTRANONCE_SUBSCRIBE))));
    }

    private void onAuthorized(Sv1Response r) {
        if (r.isError() || !Sv1Decoder.isTrue(r.result())) {
            link.fatal("pool refused worker '" + config.user() + "': "
                    + (r.isError() ? r.error().message() : "authorize returned " + r.result()));
            return;
        }
        state = State.AUTHORIZED;
        LOG.info("authorized as {}", config.user());
        link.established();
    }

    private void onShareAnswer(FoundShare share, Sv1Response r) {
        if (!r.isError() && Sv1Decoder.isTrue(r.result())) {
            counters.accepted(share);
            if (share.meetsNetworkTarget()) {
                LOG.info("BLOCK {} accepted by the pool (job {})", share.hashHex(), share.job().jobId());
            } else {
                LOG.debug("share accepted (job {}, diff {})", share.job().jobId(), share.job().difficulty().value());
            }
        } else {
            // "result": false without an error object is a bare refusal: count it as "other".
            Sv1Error e = r.isError() ? r.error() : Sv1Error.other("rejected without a reason");
            counters.rejected(e.code());
            LOG.warn("share rejected on job {}: {} ({})", share.job().jobId(), e.message(), e.code());
        }
        link.shareAnswered();
    }

    // ---- notifications and requests from the pool ----

    /** A pool's call the decoder could not type: answer an unknown request, ignore a malformed notification. */
    private void onInvalid(Sv1Invalid i) {
        if (i.error().code() == Sv1Error.METHOD_NOT_FOUND) {
            if (!i.isNotification()) {
                send(Sv1Response.error(i.id(), new Sv1Error(Sv1Error.METHOD_NOT_FOUND, "Method not found")));
            } else {
                LOG.debug("ignoring unknown notification {}", printable(i.method()));
            }
        } else {
            LOG.warn("ignoring malformed {} from the pool: {}", printable(i.method()), i.error().message());
        }
    }

    private void handle(Sv1Request r) {
        Sv1ServerCall call = (Sv1ServerCall) r.call();
        if (call instanceof Sv1ServerCall.GetVersion) {
            if (!r.isNotification()) {
                send(Sv1Response.ok(r.id(), new Sv1Result.Text(config.userAgent())));
            }
        } else if (call instanceof Sv1ServerCall.Notify n) {
            onNotify(n);
        } else if (call instanceof Sv1ServerCall.SetDifficulty d) {
            nextDifficulty = Difficulty.of(d.difficulty());
            LOG.info("pool set difficulty {} (from the next job)", d.difficulty());
        } else if (call instanceof Sv1ServerCall.SetVersionMask m) {
            onVersionMask(m.mask());
        } else if (call instanceof Sv1ServerCall.SetExtranonce e) {
            // Applies from the next job: the current one was built with the old extranonce1.
            nextExtranonce1 = e.extranonce1().toByteArray();
            nextExtranonce2Size = e.extranonce2Size();
            LOG.info("pool set extranonce1 {}, extranonce2 size {}", e.extranonce1(), e.extranonce2Size());
        } else if (call instanceof Sv1ServerCall.Reconnect rc) {
            LOG.info("pool asks to reconnect to {}:{} in {} s", rc.host().orElse("(same host)"),
                    rc.port().isPresent() ? rc.port().getAsInt() : "(same port)", rc.waitSeconds());
            link.reconnect(rc.host(), rc.port(), Duration.ofSeconds(Math.min(rc.waitSeconds(), 3600)));
        } else if (call instanceof Sv1ServerCall.ShowMessage m) {
            LOG.info("message from the pool: {}", printable(m.text()));
        }
    }

    private void onNotify(Sv1ServerCall.Notify n) {
        if (extranonce1 == null) {
            LOG.debug("mining.notify before our subscription completed; waiting for the next one");
            return;
        }
        if (nextExtranonce1 != null) {
            extranonce1 = nextExtranonce1;
            extranonce2Size = nextExtranonce2Size;
            nextExtranonce1 = null;
        }
        if (extranonce1.length + extranonce2Size > 32 || extranonce2Size > 16) {
            LOG.warn("cannot mine job {}: extranonce space too large", n.jobId());
            return;
        }
        MinerJob job;
        try {
            JobWork work = JobWork.of(n.version(), n.prevHash(), n.nbits(), n.coinb1(), n.coinb2(),
                    MerkleBranch.of(n.merkleBranch()), extranonce1.length + extranonce2Size);
            job = MinerJob.of(n.jobId(), work, n.ntime(), extranonce1, extranonce2Size, nextDifficulty, versionMask,
                    jobSequence.incrementAndGet());
        } catch (IllegalArgumentException e) {
            LOG.warn("cannot mine job {}: {}", n.jobId(), e.getMessage());
            return;
        }
        if (n.cleanJobs()) {
            // Everything older is stale for the pool: stop hashing it now and never submit it.
            liveJobs.clear();
        }
        liveJobs.remove(job.jobId());
        liveJobs.put(job.jobId(), job);
        currentJob = job;
        LOG.debug("new job {}{} diff {}", job.jobId(), n.cleanJobs() ? " (clean)" : "", job.difficulty().value());
        board.publish(job);
    }

    private void onVersionMask(int mask) {
        if (!config.versionRolling()) {
            LOG.debug("ignoring mining.set_version_mask: version rolling is off");
            return;
        }
        // BIP310: the new mask is valid at once; restart the current job under it.
        versionMask = mask & MinerConfig.BIP320_MASK;
        LOG.info("pool set version mask {}", Sv1Methods.hex32(versionMask));
        if (currentJob != null) {
            currentJob = currentJob.withVersionMask(versionMask, jobSequence.incrementAndGet());
            liveJobs.put(currentJob.jobId(), currentJob);
            board.publish(currentJob);
        }
    }

    // ---- helpers ----

    private long track(Pending p) {
        long id = nextId++;
        pending.put(id, p);
        return id;
    }

    private void send(Sv1Message m) {
        link.send(m);
    }

    private static String printable(String s) {
        String t = s.length() > 512 ? s.substring(0, 512) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
