package org.templar.client.proxy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.share.Target;

/**
 * The proxy's mining connection to the pool (05-Mining-Protocol) as a state machine over message
 * records: SetupConnection with REQUIRES_WORK_SELECTION, one extended channel, SetCustomMiningJob for
 * each declared job, and shares. Mining is optimistic (06 section 6.3): shares on a job the pool has not
 * acknowledged yet are kept and sent once SetCustomMiningJob.Success gives the job its id. The pool is
 * given up ({@link Listener#failed}, once) when it refuses the setup, the channel or a custom job, does
 * not answer in time, or rejects a share on a job it acknowledged.
 *
 * <p>One refusal is not final at once: a job on a tip the pool's node has not reached yet
 * ({@code prev_hash}). The miner's node can be first to a new block, always so with its own block in
 * Coinbase-only mode, where only the miner can build it and the pool's node learns it from the
 * network. The newest job is then sent again every {@link #TIP_RETRY_NANOS} until the pool takes it or
 * the timeout passes since it was first sent; the miners hash on it meanwhile.
 */
public final class UpstreamMiningSession {
    public static final int PROTOCOL_VERSION = 2;

    public interface Output {
        void send(Sv2Message message);
    }

    public interface Listener {
        /** The extended channel is open: the full extranonce is {@code prefix} + {@code extranonceSize} rolled bytes. */
        void channelOpened(long channelId, byte[] extranoncePrefix, int extranonceSize, Target target);

        /** The pool acknowledged a custom job. */
        void jobAccepted(long localJobId, long poolJobId);

        void failed(String reason);

        /**
         * The pool accepted a share {@code nanos} after the proxy accepted it from its miner (the
         * proxy's added latency per forwarded share). A SubmitShares.Success may answer several.
         */
        default void shareAnswered(long nanos) {}
    }

    /**
     * A share for the pool, on the proxy's own job id (mapped to the pool's once acknowledged);
     * {@code acceptedNanos} is when the proxy accepted it from its miner (System.nanoTime).
     */
    public record Share(long localJobId, long nonce, long ntime, long version, byte[] extranonce, long acceptedNanos) {
        public Share(long localJobId, long nonce, long ntime, long version, byte[] extranonce) {
            this(localJobId, nonce, ntime, version, extranonce, System.nanoTime());
        }
    }

    private enum State { NEW, SETTING_UP, OPENING, OPEN, FAILED }

    private static final int MAX_BUFFERED = 10_000;
    static final long TIP_RETRY_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(200);

    /** The newest job, refused because the pool's node is behind the miner's: sent again on the tick. */
    private record TipRetry(long localJobId, Sv2Mining.SetCustomMiningJob job, long firstSentNanos, long lastSentNanos) {}

    private final Output out;
    private final Listener listener;
    private final String user;
    private final int minExtranonceSize;
    private final long timeoutNanos;
    private State state = State.NEW;
    private long stateSinceNanos;
    private long channelId;
    private Target target;
    private long nextRequestId = 1;
    private long sequence;
    private long accepted;
    private final Map<Long, long[]> pendingJobs = new HashMap<>(); // request id -> {localJobId, sentNanos, firstSentNanos}
    private final Map<Long, Sv2Mining.SetCustomMiningJob> sentJobs = new HashMap<>(); // request id -> the job
    private long newestLocalJob = -1;
    private TipRetry tipRetry;
    private final Map<Long, Long> poolJobIds = new HashMap<>(); // local -> pool
    private final Map<Long, Long> localJobIds = new HashMap<>(); // pool -> local
    private final Map<Long, Deque<Share>> buffered = new HashMap<>();
    private final Map<Long, Long> sentOnJob = new HashMap<>(); // sequence -> pool job id
    /** Shares sent and not yet answered, in sequence order: {sequence, Share.acceptedNanos}; bounded. */
    private final Deque<long[]> unanswered = new ArrayDeque<>();

    public UpstreamMiningSession(Output out, Listener listener, String user, int minExtranonceSize,
            java.time.Duration timeout) {
        this.out = out;
        this.listener = listener;
        this.user = user;
        this.minExtranonceSize = minExtranonceSize;
        this.timeoutNanos = timeout.toNanos();
    }

    public void start(long nowNanos) {
        state = State.SETTING_UP;
        stateSinceNanos = nowNanos;
        out.send(new Sv2Common.SetupConnection(Sv2Common.SetupConnection.PROTOCOL_MINING, PROTOCOL_VERSION,
                PROTOCOL_VERSION, Sv2Common.SetupConnection.REQUIRES_WORK_SELECTION, Str0255.of(""), 0,
                Str0255.of("templar"), Str0255.of(""), Str0255.of("templar-proxy"), Str0255.of("")));
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }

    public boolean isFailed() {
        return state == State.FAILED;
    }

    public long channelId() {
        return channelId;
    }

    public Target target() {
        return target;
    }

    /** Shares the pool has accepted so far (from SubmitShares.Success counts). */
    public long acceptedShares() {
        return accepted;
    }

    public void onMessage(Sv2Message m, long nowNanos) {
        if (state == State.FAILED) {
            return;
        }
        if (m instanceof Sv2Common.SetupConnectionSuccess s) {
            if (state != State.SETTING_UP || s.usedVersion() != PROTOCOL_VERSION) {
                fail("bad SetupConnection.Success (version " + s.usedVersion() + ")");
                return;
            }
            state = State.OPENING;
            stateSinceNanos = nowNanos;
            out.send(new Sv2Mining.OpenExtendedMiningChannel(nextRequestId++, Str0255.of(user), 0f,
                    U256.of(maxTarget()), minExtranonceSize));
        } else if (m instanceof Sv2Common.SetupConnectionError e) {
            fail("pool refused the mining connection: " + e.errorCode().text());
        } else if (m instanceof Sv2Mining.OpenExtendedMiningChannelSuccess s) {
            if (state != State.OPENING) {
                fail("OpenExtendedMiningChannel.Success out of order");
                return;
            }
            if (s.extranonceSize() < minExtranonceSize) {
                fail("pool gave " + s.extranonceSize() + " extranonce bytes, " + minExtranonceSize + " needed");
                return;
            }
            state = State.OPEN;
            channelId = s.channelId();
            target = Target.fromLittleEndian(s.target().toArray());
            listener.channelOpened(channelId, s.extranoncePrefix().toArray(), s.extranonceSize(), target);
        } else if (m instanceof Sv2Mining.OpenMiningChannelError e) {
            fail("pool refused the extended channel: " + e.errorCode().text());
        } else if (m instanceof Sv2Mining.SetTarget t) {
            if (t.channelId() == channelId) {
                target = Target.fromLittleEndian(t.maximumTarget().toArray());
            }
        } else if (m instanceof Sv2Mining.SetCustomMiningJobSuccess s) {
            long[] p = pendingJobs.remove(s.requestId());
            sentJobs.remove(s.requestId());
            if (p == null) {
                fail("SetCustomMiningJob.Success for unknown request " + s.requestId());
                return;
            }
            poolJobIds.put(p[0], s.jobId());
            localJobIds.put(s.jobId(), p[0]);
            listener.jobAccepted(p[0], s.jobId());
            Deque<Share> waiting = buffered.remove(p[0]);
            if (waiting != null) {
                waiting.forEach(this::send);
            }
        } else if (m instanceof Sv2Mining.SetCustomMiningJobError e) {
            long[] p = pendingJobs.remove(e.requestId());
            Sv2Mining.SetCustomMiningJob job = sentJobs.remove(e.requestId());
            String code = e.errorCode().text();
            if (p != null && job != null && code.endsWith("prev_hash") && nowNanos - p[2] <= timeoutNanos) {
                if (p[0] == newestLocalJob) {
                    tipRetry = new TipRetry(p[0], job, p[2], nowNanos); // the pool's node may not have the tip yet
                }
                return; // an older job is superseded by the newest anyway
            }
            fail("pool refused the custom job: " + code);
        } else if (m instanceof Sv2Mining.SubmitSharesSuccess s) {
            accepted += s.newSubmitsAcceptedCount();
            // SubmitShares.Success answers every share up to last_sequence_number (sequences only grow)
            while (!unanswered.isEmpty() && unanswered.peek()[0] <= s.lastSequenceNumber()) {
                listener.shareAnswered(nowNanos - unanswered.poll()[1]);
            }
        } else if (m instanceof Sv2Mining.SubmitSharesError e) {
            while (!unanswered.isEmpty() && unanswered.peek()[0] <= e.sequenceNumber()) {
                unanswered.poll(); // refused, or answered before: not an acceptance to time
            }
            Long poolJob = sentOnJob.get(e.sequenceNumber());
            String code = e.errorCode().text();
            // a stale share after a new block is normal; a refused share on an acknowledged, current job is not
            if (poolJob != null && !code.contains("stale")) {
                fail("pool rejected a share on acknowledged job " + poolJob + ": " + code);
            }
        } else if (m instanceof Sv2Mining.SetNewPrevHash || m instanceof Sv2Mining.NewExtendedMiningJob
                || m instanceof Sv2Mining.NewMiningJob || m instanceof Sv2Mining.SetGroupChannel
                || m instanceof Sv2Common.ChannelEndpointChanged) {
            // the pool's own jobs and channel grouping: a work-selecting proxy mines its declared jobs instead
        } else if (m instanceof Sv2Mining.SetExtranoncePrefix) {
            fail("pool changed the channel's extranonce prefix"); // reopen with the new prefix
        } else if (m instanceof Sv2Common.Reconnect) {
            fail("pool asked to reconnect");
        } else {
            fail("unexpected message from the pool: " + m.getClass().getSimpleName());
        }
    }

    /** Announces a declared job; returns the request id. */
    public long setCustomJob(long localJobId, byte[] token, CustomJobCoinbase coinbase, long nowNanos) {
        if (state != State.OPEN) {
            throw new IllegalStateException("channel not open");
        }
        var t = coinbase.template();
        List<U256> path = new ArrayList<>();
        coinbase.merklePath().forEach(h -> path.add(U256.of(h)));
        newestLocalJob = localJobId;
        tipRetry = null; // a newer job supersedes one waiting for the pool's node
        return send(localJobId, new Sv2Mining.SetCustomMiningJob(channelId, 0, Bytes.of(token), t.version() & 0xffffffffL,
                U256.of(t.previousBlockHash()), t.curTime() & 0xffffffffL, t.bits() & 0xffffffffL,
                CustomJobCoinbase.TX_VERSION, Bytes.of(coinbase.heightPush()), CustomJobCoinbase.SEQUENCE & 0xffffffffL,
                Bytes.of(coinbase.serializedOutputs()), CustomJobCoinbase.LOCKTIME, path), nowNanos, nowNanos);
    }

    /** Sends {@code job} (any request id) under a new request id; returns that id. */
    private long send(long localJobId, Sv2Mining.SetCustomMiningJob job, long firstSentNanos, long nowNanos) {
        long id = nextRequestId++;
        Sv2Mining.SetCustomMiningJob j = new Sv2Mining.SetCustomMiningJob(job.channelId(), id, job.miningJobToken(),
                job.version(), job.prevHash(), job.minNtime(), job.nbits(), job.coinbaseTxVersion(), job.coinbasePrefix(),
                job.coinbaseTxInputNSequence(), job.coinbaseTxOutputs(), job.coinbaseTxLocktime(), job.merklePath());
        pendingJobs.put(id, new long[] {localJobId, nowNanos, firstSentNanos});
        sentJobs.put(id, j);
        out.send(j);
        return id;
    }

    /** Sends a share (or keeps it until its job is acknowledged: optimistic mining). */
    public void submit(Share share) {
        if (state != State.OPEN) {
            return;
        }
        if (poolJobIds.containsKey(share.localJobId())) {
            send(share);
        } else {
            Deque<Share> q = buffered.computeIfAbsent(share.localJobId(), k -> new ArrayDeque<>());
            if (q.size() < MAX_BUFFERED) {
                q.add(share);
            }
        }
    }

    private void send(Share s) {
        long poolJob = poolJobIds.get(s.localJobId());
        long seq = sequence++ & 0xffffffffL;
        sentOnJob.put(seq, poolJob);
        if (seq == 0) {
            unanswered.clear(); // the sequence wrapped: older entries would never be answered in order
        }
        unanswered.add(new long[] {seq, s.acceptedNanos()});
        if (sentOnJob.size() > 4096) {
            sentOnJob.remove(seq - 4096 & 0xffffffffL);
        }
        if (unanswered.size() > 4096) {
            unanswered.poll();
        }
        out.send(new Sv2Mining.SubmitSharesExtended(channelId, seq, poolJob, s.nonce(), s.ntime(), s.version(),
                Bytes.of(s.extranonce())));
    }

    public void tick(long nowNanos) {
        if ((state == State.SETTING_UP || state == State.OPENING) && nowNanos - stateSinceNanos > timeoutNanos) {
            fail("pool did not answer " + (state == State.SETTING_UP ? "SetupConnection" : "OpenExtendedMiningChannel"));
            return;
        }
        for (long[] p : pendingJobs.values()) {
            if (nowNanos - p[1] > timeoutNanos) {
                fail("pool did not answer SetCustomMiningJob");
                return;
            }
        }
        TipRetry r = tipRetry;
        if (r != null && state == State.OPEN && nowNanos - r.lastSentNanos() >= TIP_RETRY_NANOS) {
            tipRetry = null;
            if (nowNanos - r.firstSentNanos() > timeoutNanos) {
                fail("pool refused the custom job: invalid-job-param-value-prev_hash (its node did not reach the"
                        + " miner's tip in time)");
                return;
            }
            send(r.localJobId(), r.job(), r.firstSentNanos(), nowNanos);
        }
    }

    public void onClosed() {
        fail("connection to the pool closed");
    }

    private void fail(String reason) {
        if (state == State.FAILED) {
            return;
        }
        state = State.FAILED;
        listener.failed(reason);
    }

    private static byte[] maxTarget() {
        byte[] t = new byte[32];
        java.util.Arrays.fill(t, (byte) 0xff);
        return t;
    }
}
