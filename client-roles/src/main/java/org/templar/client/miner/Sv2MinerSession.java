package org.templar.client.miner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.share.Difficulty;
import org.templar.share.Hex;
import org.templar.share.JobWork;
import org.templar.share.MerkleBranch;
import org.templar.share.Target;

/**
 * The miner's side of one Stratum V2 mining connection as a state machine over typed messages (it never
 * sees a Channel or a ByteBuf, and runs confined to the connection's event loop).
 *
 * <p>After the Noise handshake: {@code SetupConnection} (mining protocol, version 2) -> one
 * {@code OpenStandardMiningChannel} or {@code OpenExtendedMiningChannel} -> jobs. Job lifecycle as the spec
 * draws it: a job without {@code min_ntime} is a <em>future</em> job held until a {@code SetNewPrevHash}
 * names it; that message invalidates every other job, live or future. A job with {@code min_ntime} is built
 * on the current previous hash and mined at once; older jobs on the same tip stay submittable.
 *
 * <p>Shares carry a per-channel sequence number; {@code SubmitShares.Success} acknowledges every
 * outstanding submit up to its {@code last_sequence_number} (the pool may batch), {@code SubmitShares.Error}
 * rejects exactly one. A block is a share that meets the network target from the job's nbits AND was
 * acknowledged.
 */
final class Sv2MinerSession {
    private static final Logger LOG = LoggerFactory.getLogger(Sv2MinerSession.class);
    /** The only Stratum V2 version there is. */
    static final int PROTOCOL_VERSION = 2;
    /** 4 bytes of our own extranonce = 2^32 coinbases per job: more than a CPU exhausts between jobs. */
    static final int MIN_EXTRANONCE_SIZE = 4;
    /** The miner never refuses a target: the pool's vardiff decides. */
    private static final U256 ANY_TARGET = U256.of(filled(32, (byte) 0xff));
    private static final int MAX_PENDING = 4096;
    private static final int MAX_JOBS = 16;
    /** Hashes per second one JVM thread manages on SHA-256 without midstates: a first guess only. */
    private static final float GUESS_PER_THREAD = 1.5e6f;
    /** UpdateChannel only when the measured rate is off by more than this factor (no chatter on noise). */
    private static final double UPDATE_FACTOR = 1.5;

    /** What the session asks of its transport and owner. */
    interface Link {
        void send(Sv2Message message);

        /** Reconnect: drop this connection and connect again (same authority) after {@code wait}. */
        void reconnect(Optional<String> host, OptionalInt port, Duration wait);

        /** An unrecoverable refusal (flags, credentials, channel): stop mining. */
        void fatal(String reason);

        /** A channel is open: the connection is good, reset the reconnect backoff. */
        void established();

        /** A submitted share was answered (limits may now be reached). */
        void shareAnswered();
    }

    enum State { HANDSHAKE, SETUP, OPENING, OPEN, CLOSED }

    /** A job as received, with the extranonce prefix in force then (SetExtranoncePrefix applies to later jobs). */
    private record ReceivedJob(Sv2Message message, byte[] extranoncePrefix) {}

    private final MinerConfig config;
    private final String endpointHost;
    private final int endpointPort;
    private final Link link;
    private final MinerSession.WorkBoard board;
    private final MinerCounters counters;
    private final AtomicLong jobSequence;
    private final boolean extended;

    private State state = State.HANDSHAKE;
    private long nextRequestId = 1;
    private long openRequestId = -1;
    private long channelId = -1;
    private long groupChannelId = -1;
    private byte[] extranoncePrefix = new byte[0];
    private int extranonceSize;
    private Target target;
    private boolean fixedVersion;
    /** The tip jobs are built on; null until the first SetNewPrevHash. */
    private byte[] prevHash;
    private int nbits;
    private final Map<Long, ReceivedJob> futureJobs = bounded();
    /** Jobs shares may still be submitted for, by job_id; SetNewPrevHash empties it. */
    private final Map<Long, MinerJob> liveJobs = bounded();
    private long nextSequence;
    /** Submits awaiting an answer, by sequence number (in order, so a batched Success is a head map). */
    private final TreeMap<Long, FoundShare> pending = new TreeMap<>();
    private double measuredHashrate;
    private double announcedHashrate;

    Sv2MinerSession(MinerConfig config, String endpointHost, int endpointPort, Link link, MinerSession.WorkBoard board,
            MinerCounters counters, AtomicLong jobSequence) {
        this.config = config;
        this.endpointHost = endpointHost;
        this.endpointPort = endpointPort;
        this.link = link;
        this.board = board;
        this.counters = counters;
        this.jobSequence = jobSequence;
        this.extended = config.channelType() == ChannelType.EXTENDED;
    }

    State state() {
        return state;
    }

    long channelId() {
        return channelId;
    }

    /** The Noise handshake completed: open the mining protocol. */
    void start() {
        if (state != State.HANDSHAKE) {
            return;
        }
        long flags = 0;
        if (!extended) {
            // An end device on a standard channel: we want NewMiningJob only, never group-channel extended jobs.
            flags |= Sv2Common.SetupConnection.REQUIRES_STANDARD_JOBS;
            if (config.versionRolling()) {
                // Header-only work has no extranonce to roll: without version bits the hashing threads would
                // share a single 2^32 nonce range per job, which is what the spec's "for efficiency" means.
                flags |= Sv2Common.SetupConnection.REQUIRES_VERSION_ROLLING;
            }
        }
        state = State.SETUP;
        link.send(new Sv2Common.SetupConnection(Sv2Common.SetupConnection.PROTOCOL_MINING, PROTOCOL_VERSION,
                PROTOCOL_VERSION, flags, str(endpointHost), endpointPort, str("templar"), str("cpu"),
                str(config.userAgent()), Str0255.EMPTY));
    }

    /** The connection is gone: its channel and jobs went with it, so stop hashing them. */
    void stop() {
        state = State.CLOSED;
        liveJobs.clear();
        futureJobs.clear();
        pending.clear();
        board.publish(null);
    }

    void onMessage(Sv2Message m) {
        if (state == State.CLOSED || state == State.HANDSHAKE) {
            return;
        }
        if (m instanceof Sv2Common.Reconnect r) {
            onReconnect(r); // connection-level: honoured whatever the channel's state
        } else if (m instanceof Sv2Common.SetupConnectionSuccess s) {
            onSetupSuccess(s);
        } else if (m instanceof Sv2Common.SetupConnectionError e) {
            link.fatal("pool refused SetupConnection: " + printable(e.errorCode().text())
                    + (e.flags() != 0 ? " (unsupported flags 0x" + Long.toHexString(e.flags()) + ")" : "")
                    + ((e.flags() & Sv2Common.SetupConnection.REQUIRES_VERSION_ROLLING) != 0
                            ? "; try --no-version-rolling" : ""));
        } else if (m instanceof Sv2Mining.OpenStandardMiningChannelSuccess s) {
            if (s.requestId() == openRequestId && !extended) {
                opened(s.channelId(), s.groupChannelId(), s.target(), s.extranoncePrefix(), 0);
            }
        } else if (m instanceof Sv2Mining.OpenExtendedMiningChannelSuccess s) {
            if (s.requestId() == openRequestId && extended) {
                opened(s.channelId(), s.groupChannelId(), s.target(), s.extranoncePrefix(), s.extranonceSize());
            }
        } else if (m instanceof Sv2Mining.OpenMiningChannelError e) {
            if (e.requestId() == openRequestId) {
                link.fatal("pool refused to open the " + config.channelType() + " channel for '" + config.user() + "': "
                        + printable(e.errorCode().text()));
            }
        } else if (state != State.OPEN) {
            LOG.debug("ignoring {} before the channel is open", m.getClass().getSimpleName());
        } else if (m instanceof Sv2Mining.NewMiningJob j) {
            if (forUs(j.channelId())) {
                onJob(j.jobId(), j.isFutureJob(), j.minNtime().orElse(0), new ReceivedJob(j, extranoncePrefix));
            }
        } else if (m instanceof Sv2Mining.NewExtendedMiningJob j) {
            if (forUs(j.channelId())) {
                onJob(j.jobId(), j.isFutureJob(), j.minNtime().orElse(0), new ReceivedJob(j, extranoncePrefix));
            }
        } else if (m instanceof Sv2Mining.SetNewPrevHash p) {
            if (forUs(p.channelId())) {
                onNewPrevHash(p);
            }
        } else if (m instanceof Sv2Mining.SetTarget t) {
            if (forUs(t.channelId())) {
                // Applies to jobs activated from now on; live jobs keep the target they were sent under.
                target = Target.fromLittleEndian(t.maximumTarget().toArray());
                LOG.info("pool set target (difficulty {}) for new jobs", String.format(java.util.Locale.ROOT, "%.6g", target.difficulty()));
            }
        } else if (m instanceof Sv2Mining.SetExtranoncePrefix x) {
            if (x.channelId() == channelId) {
                onExtranoncePrefix(x.extranoncePrefix().toArray());
            }
        } else if (m instanceof Sv2Mining.SubmitSharesSuccess s) {
            if (s.channelId() == channelId) {
                onSharesAccepted(s);
            }
        } else if (m instanceof Sv2Mining.SubmitSharesError e) {
            if (e.channelId() == channelId) {
                onShareRejected(e);
            }
        } else if (m instanceof Sv2Mining.SetGroupChannel g) {
            if (g.channelIds().contains(channelId)) {
                groupChannelId = g.groupChannelId();
            }
        } else if (m instanceof Sv2Mining.CloseChannel c) {
            if (forUs(c.channelId())) {
                LOG.warn("pool closed channel {} ({}); opening a new one", channelId, printable(c.reasonCode().text()));
                clearWork();
                board.publish(null); // the channel's work died with it
                openChannel();
            }
        } else if (m instanceof Sv2Mining.UpdateChannelError e) {
            LOG.warn("pool refused UpdateChannel: {}", printable(e.errorCode().text()));
        } else {
            LOG.debug("ignoring {}", m);
        }
    }

    private void onReconnect(Sv2Common.Reconnect r) {
        Optional<String> host = r.newHost().isEmpty() ? Optional.empty() : Optional.of(r.newHost().text());
        OptionalInt port = r.newPort() == 0 ? OptionalInt.empty() : OptionalInt.of(r.newPort());
        LOG.info("pool asks to reconnect to {}:{}", host.orElse("(same host)"),
                port.isPresent() ? port.getAsInt() : "(same port)");
        link.reconnect(host, port, Duration.ZERO);
    }

    /**
     * The miner's measured hashrate (every statistics window). The pool chose our target from the rate we
     * announced; when the truth is far from it, say so with UpdateChannel so its vardiff starts from a fact.
     */
    void hashrateMeasured(double hashesPerSecond) {
        if (!(hashesPerSecond > 0) || Double.isInfinite(hashesPerSecond)) {
            return;
        }
        measuredHashrate = hashesPerSecond;
        if (state == State.OPEN && (hashesPerSecond > announcedHashrate * UPDATE_FACTOR
                || hashesPerSecond * UPDATE_FACTOR < announcedHashrate)) {
            announcedHashrate = hashesPerSecond;
            link.send(new Sv2Mining.UpdateChannel(channelId, (float) hashesPerSecond, ANY_TARGET));
            LOG.debug("told the pool our hashrate is {} H/s", (long) hashesPerSecond);
        }
    }

    /** A hashing thread found a share (delivered on this session's event loop). */
    void onShareFound(FoundShare share) {
        if (state != State.OPEN) {
            counters.discarded();
            return;
        }
        long jobId;
        try {
            jobId = Long.parseLong(share.job().jobId());
        } catch (NumberFormatException e) {
            counters.discarded();
            return;
        }
        // Only the exact job object we published: a share for a job SetNewPrevHash cancelled would be stale.
        if (liveJobs.get(jobId) != share.job()) {
            counters.discarded();
            LOG.debug("discarding share for cancelled job {}", jobId);
            return;
        }
        long seq = nextSequence;
        nextSequence = (nextSequence + 1) & 0xffff_ffffL;
        pending.put(seq, share);
        if (pending.size() > MAX_PENDING) {
            pending.pollFirstEntry(); // a pool that never answers must not grow this forever
        }
        long version = share.job().rolledVersion(share.versionBits()) & 0xffff_ffffL;
        long nonce = share.nonce() & 0xffff_ffffL;
        long ntime = share.ntime() & 0xffff_ffffL;
        if (extended) {
            link.send(new Sv2Mining.SubmitSharesExtended(channelId, seq, jobId, nonce, ntime, version,
                    Bytes.of(share.extranonce2())));
        } else {
            link.send(new Sv2Mining.SubmitSharesStandard(channelId, seq, jobId, nonce, ntime, version));
        }
        if (share.meetsNetworkTarget()) {
            LOG.info("block candidate {} on job {}, submitting", share.hashHex(), jobId);
        }
    }

    // ---- setup and channel ----

    private void onSetupSuccess(Sv2Common.SetupConnectionSuccess s) {
        if (state != State.SETUP) {
            return;
        }
        if (s.usedVersion() != PROTOCOL_VERSION) {
            link.fatal("pool chose protocol version " + s.usedVersion() + ", we offered only " + PROTOCOL_VERSION);
            return;
        }
        fixedVersion = (s.flags() & Sv2Common.SetupConnectionSuccess.REQUIRES_FIXED_VERSION) != 0;
        if (!extended && (s.flags() & Sv2Common.SetupConnectionSuccess.REQUIRES_EXTENDED_CHANNELS) != 0) {
            link.fatal("pool accepts only extended channels; mine with --channel extended");
            return;
        }
        openChannel();
    }

    private void openChannel() {
        Str0255 user;
        try {
            user = str(config.user());
        } catch (RuntimeException e) {
            link.fatal("user name does not fit a Stratum V2 user_identity (255 bytes): " + config.user());
            return;
        }
        state = State.OPENING;
        openRequestId = nextRequestId++;
        // What we measured if we have hashed already (a reconnect), else a guess for a CPU core; the pool sets
        // the first target from it and we correct it with UpdateChannel once measured.
        float hashrate = measuredHashrate > 0 ? (float) measuredHashrate : config.threads() * GUESS_PER_THREAD;
        announcedHashrate = hashrate;
        link.send(extended
                ? new Sv2Mining.OpenExtendedMiningChannel(openRequestId, user, hashrate, ANY_TARGET, MIN_EXTRANONCE_SIZE)
                : new Sv2Mining.OpenStandardMiningChannel(openRequestId, user, hashrate, ANY_TARGET));
    }

    private void opened(long channel, long group, U256 initialTarget, Bytes prefix, int size) {
        if (state != State.OPENING) {
            return;
        }
        if (prefix.length() + size > 32 || size > 16) {
            link.fatal("pool offered an unusable extranonce: prefix " + prefix.length() + " + " + size + " bytes");
            return;
        }
        channelId = channel;
        groupChannelId = group;
        target = Target.fromLittleEndian(initialTarget.toArray());
        extranoncePrefix = prefix.toArray();
        extranonceSize = size;
        nextSequence = 0;
        state = State.OPEN;
        LOG.info("{} channel {} open for {}: extranonce prefix {}{}, difficulty {}", config.channelType(), channelId,
                config.user(), Hex.encode(extranoncePrefix), extended ? " + " + size + " bytes ours" : "",
                String.format(java.util.Locale.ROOT, "%.6g", target.difficulty()));
        link.established();
    }

    private void onExtranoncePrefix(byte[] prefix) {
        if (prefix.length + extranonceSize > 32) {
            LOG.warn("ignoring SetExtranoncePrefix of {} bytes: no room for our {} bytes", prefix.length, extranonceSize);
            return;
        }
        extranoncePrefix = prefix;
        LOG.info("pool set extranonce prefix {} (from the next job)", Hex.encode(prefix));
    }

    /** Group-channel broadcasts count as ours too. */
    private boolean forUs(long id) {
        return id == channelId || (groupChannelId > 0 && id == groupChannelId);
    }

    // ---- jobs ----

    private void onJob(long jobId, boolean future, long minNtime, ReceivedJob job) {
        if (future) {
            futureJobs.put(jobId, job);
            LOG.debug("future job {} held until its SetNewPrevHash", jobId);
            return;
        }
        if (prevHash == null) {
            LOG.warn("job {} arrived with min_ntime before any SetNewPrevHash; cannot mine it", jobId);
            return;
        }
        activate(jobId, minNtime, job);
    }

    private void onNewPrevHash(Sv2Mining.SetNewPrevHash p) {
        prevHash = p.prevHash().toArray();
        nbits = (int) p.nbits();
        ReceivedJob job = futureJobs.get(p.jobId());
        // Only the named job is valid now: everything queued or live before is for another tip.
        clearWork();
        if (job == null) {
            LOG.warn("SetNewPrevHash names job {} that we never received as a future job; idle until the next job",
                    p.jobId());
            board.publish(null);
            return;
        }
        LOG.info("new block tip {}: mining job {}", Hex.encode(Hex.reverse(prevHash)), p.jobId());
        activate(p.jobId(), p.minNtime(), job);
    }

    private void clearWork() {
        futureJobs.clear();
        liveJobs.clear();
    }

    private void activate(long jobId, long ntime, ReceivedJob received) {
        MinerJob job;
        try {
            job = build(jobId, (int) ntime, received);
        } catch (IllegalArgumentException e) {
            LOG.warn("cannot mine job {}: {}", jobId, e.getMessage());
            return;
        }
        liveJobs.put(jobId, job);
        board.publish(job);
    }

    private MinerJob build(long jobId, int ntime, ReceivedJob received) {
        Difficulty difficulty = Difficulty.of(Math.max(target.difficulty(), Double.MIN_NORMAL));
        long sequence = jobSequence.incrementAndGet();
        if (received.message() instanceof Sv2Mining.NewMiningJob j) {
            // Header-only: the pool already folded our extranonce prefix into this merkle root.
            JobWork work = JobWork.of((int) j.version(), prevHash, nbits, new byte[0], new byte[0],
                    MerkleBranch.of(List.of()), 0);
            return new MinerJob(Long.toString(jobId), work, ntime, new byte[0], 0, difficulty, target,
                    rollingMask(true), sequence, j.merkleRoot().toArray());
        }
        Sv2Mining.NewExtendedMiningJob j = (Sv2Mining.NewExtendedMiningJob) received.message();
        List<byte[]> path = new ArrayList<>(j.merklePath().size());
        j.merklePath().forEach(h -> path.add(h.toArray())); // raw U256 = internal byte order, deepest first
        byte[] prefix = received.extranoncePrefix();
        // On a standard channel (a pool that groups channels) the coinbase is prefix + extranonce_prefix + suffix
        // and we compute the root ourselves with nothing to roll.
        int ours = extended ? extranonceSize : 0;
        JobWork work = JobWork.of((int) j.version(), prevHash, nbits, j.coinbaseTxPrefix().toArray(),
                j.coinbaseTxSuffix().toArray(), MerkleBranch.of(path), prefix.length + ours);
        return new MinerJob(Long.toString(jobId), work, ntime, prefix, ours, difficulty, target,
                rollingMask(j.versionRollingAllowed()), sequence);
    }

    /** BIP320's general-purpose bits (the spec's BIP323 bits) when we roll and the pool and job allow it. */
    private int rollingMask(boolean jobAllows) {
        return config.versionRolling() && !fixedVersion && jobAllows ? MinerConfig.BIP320_MASK : 0;
    }

    // ---- share answers ----

    private void onSharesAccepted(Sv2Mining.SubmitSharesSuccess s) {
        Map<Long, FoundShare> acked = pending.headMap(s.lastSequenceNumber(), true);
        if (acked.size() != s.newSubmitsAcceptedCount()) {
            LOG.debug("pool acknowledged {} submits up to #{}, we had {} outstanding", s.newSubmitsAcceptedCount(),
                    s.lastSequenceNumber(), acked.size());
        }
        for (Iterator<FoundShare> it = acked.values().iterator(); it.hasNext(); ) {
            FoundShare share = it.next();
            it.remove();
            counters.accepted(share);
            if (share.meetsNetworkTarget()) {
                LOG.info("BLOCK {} accepted by the pool (job {})", share.hashHex(), share.job().jobId());
            }
            link.shareAnswered();
            if (state == State.CLOSED) {
                return; // the answer ended the run (--blocks, --shares) and stop() emptied pending under us
            }
        }
    }

    private void onShareRejected(Sv2Mining.SubmitSharesError e) {
        FoundShare share = pending.remove(e.sequenceNumber());
        String code = printable(e.errorCode().text());
        counters.rejected(sv1Code(code));
        LOG.warn("share #{} rejected{}: {}", e.sequenceNumber(),
                share == null ? "" : " on job " + share.job().jobId(), code);
        link.shareAnswered();
    }

    /**
     * SV2 error codes are strings; the miner's statistics count rejections by the conventional Stratum V1
     * numbers so both protocols report alike (20 other, 21 stale/unknown job, 22 duplicate, 23 low difficulty,
     * 24 unauthorized). The string itself is logged.
     */
    static int sv1Code(String errorCode) {
        String c = errorCode.toLowerCase(java.util.Locale.ROOT);
        if (c.contains("stale") || c.contains("invalid-job-id") || c.contains("job-not-found")) {
            return 21;
        }
        if (c.contains("duplicate")) {
            return 22;
        }
        if (c.contains("difficulty-too-low") || c.contains("low-difficulty") || c.contains("too-low")) {
            return 23;
        }
        if (c.contains("invalid-channel-id") || c.contains("unauthorized")) {
            return 24;
        }
        return 20;
    }

    // ---- helpers ----

    private static Str0255 str(String s) {
        return Str0255.of(s);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char ch = s.charAt(i);
            b.append(ch < 0x20 || ch == 0x7f ? '?' : ch);
        }
        return b.toString();
    }

    private static byte[] filled(int n, byte v) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, v);
        return b;
    }

    private static <V> Map<Long, V> bounded() {
        return new LinkedHashMap<>() {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, V> eldest) {
                return size() > MAX_JOBS;
            }
        };
    }
}
