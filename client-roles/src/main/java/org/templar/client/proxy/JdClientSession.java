package org.templar.client.proxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.templar.payout.coinbase.TxOut;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2JobDeclaration;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.U256;

/**
 * The Job Declaration client (06-Job-Declaration-Protocol) as a state machine over message records: no
 * Netty, no clock of its own (the caller passes {@code nowNanos}). It sets the connection up (protocol
 * 1) and keeps one mining job token in hand (AllocateMiningJobToken).
 *
 * <p>Full-Template mode (SetupConnection with DECLARE_TX_DATA): declares templates with their wtxid
 * list, answers ProvideMissingTransactions from the declared template, and pushes solutions.
 * Coinbase-only mode (without the flag): never declares; each job goes to the pool's mining
 * connection with an allocated token ({@link #takeToken}), and the transactions stay with the miner.
 * A pool whose policy refuses the mode answers the setup with SetupConnection.Error; that is a failure
 * like any other (see {@link PoolUpstream} for why the proxy does not then reveal its transactions).
 *
 * <p>Whatever makes the pool unusable (setup refused, the newest declaration refused, no answer in
 * time, a protocol violation) is reported once through {@link Listener#failed} and the session is
 * dead. A refusal of a declaration that a newer one has already replaced is only counted: around a
 * new block the JDS may see the block before the proxy's node does and refuse the last job for the
 * old height.
 */
public final class JdClientSession {
    public static final int PROTOCOL_VERSION = 2;
    /**
     * Coinbase-only: how long one token serves every job before a new one is asked for. The pool
     * accepts an allocated token for any number of jobs until it expires (Templar: 10 minutes by
     * default), and counts token requests against a per-minute allowance (30 by default) that a token
     * per job would exhaust when blocks come fast.
     */
    public static final long COINBASE_ONLY_TOKEN_RENEWAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    /** Where the session's messages go (the transport encrypts and frames them). */
    public interface Output {
        void send(Sv2Message message);
    }

    public interface Listener {
        /** A token is in hand: the pool's outputs (first = pool payout output) for the next declaration. */
        void tokenReady(List<TxOut> poolOutputs);

        /** The JDS accepted the declaration; {@code newToken} goes into SetCustomMiningJob. */
        void declared(Declaration declaration, byte[] newToken);

        /** The pool cannot be used: fall back. Called at most once. */
        void failed(String reason);
    }

    /** A declaration in flight or accepted. */
    public record Declaration(long requestId, CustomJobCoinbase coinbase, byte[] token, long sentNanos) {}

    private enum State { NEW, SETTING_UP, READY, FAILED }

    private final Output out;
    private final Listener listener;
    private final String user;
    private final long timeoutNanos;
    private final boolean fullTemplate;
    private State state = State.NEW;
    private long setupSentNanos;
    private long nextRequestId = 1;
    private byte[] token;
    private List<TxOut> poolOutputs;
    private long tokenRequestId = -1;
    private long tokenRequestedNanos;
    private final Map<Long, Declaration> pending = new LinkedHashMap<>();
    private Declaration lastAccepted;
    private long tokenReceivedNanos;
    private long latestDeclarationId = -1;
    private long supersededRefusals;

    /** A Full-Template session. */
    public JdClientSession(Output out, Listener listener, String user, java.time.Duration timeout) {
        this(out, listener, user, timeout, true);
    }

    /** @param fullTemplate Full-Template mode (DECLARE_TX_DATA), else Coinbase-only */
    public JdClientSession(Output out, Listener listener, String user, java.time.Duration timeout, boolean fullTemplate) {
        this.out = out;
        this.listener = listener;
        this.user = user;
        this.timeoutNanos = timeout.toNanos();
        this.fullTemplate = fullTemplate;
    }

    /** Full-Template mode, else Coinbase-only. */
    public boolean fullTemplate() {
        return fullTemplate;
    }

    public void start(long nowNanos) {
        if (state != State.NEW) {
            throw new IllegalStateException("already started");
        }
        state = State.SETTING_UP;
        setupSentNanos = nowNanos;
        out.send(new Sv2Common.SetupConnection(Sv2Common.SetupConnection.PROTOCOL_JOB_DECLARATION, PROTOCOL_VERSION,
                PROTOCOL_VERSION, fullTemplate ? Sv2Common.SetupConnection.DECLARE_TX_DATA : 0, Str0255.of(""), 0, Str0255.of("templar"),
                Str0255.of(""), Str0255.of("templar-proxy"), Str0255.of("")));
    }

    public boolean isReady() {
        return state == State.READY;
    }

    public boolean isFailed() {
        return state == State.FAILED;
    }

    /** True when a token is in hand for the next declaration. */
    public boolean hasToken() {
        return token != null;
    }

    /** The pool's outputs of the token in hand (first = pool payout output). */
    public List<TxOut> poolOutputs() {
        return poolOutputs;
    }

    public Declaration lastAccepted() {
        return lastAccepted;
    }

    /** Refusals of declarations already replaced by a newer one: counted, not a reason to give the pool up. */
    public long supersededRefusals() {
        return supersededRefusals;
    }

    public void onMessage(Sv2Message m, long nowNanos) {
        if (state == State.FAILED) {
            return;
        }
        if (m instanceof Sv2Common.SetupConnectionSuccess s) {
            if (state != State.SETTING_UP) {
                fail("SetupConnection.Success out of order");
                return;
            }
            if (s.usedVersion() != PROTOCOL_VERSION) {
                fail("JDS chose protocol version " + s.usedVersion());
                return;
            }
            state = State.READY;
            requestToken(nowNanos);
        } else if (m instanceof Sv2Common.SetupConnectionError e) {
            if (!fullTemplate && (e.flags() & Sv2Common.SetupConnection.DECLARE_TX_DATA) != 0) {
                // the spec's way of saying "this pool takes Full-Template declarations only"
                fail("the pool refuses Coinbase-only mode (SetupConnection.Error " + e.errorCode().text()
                        + ", flags DECLARE_TX_DATA: it wants the template's transactions declared)");
            } else {
                fail("JDS refused the connection: " + e.errorCode().text());
            }
        } else if (m instanceof Sv2JobDeclaration.AllocateMiningJobTokenSuccess s) {
            onToken(s, nowNanos);
        } else if (m instanceof Sv2JobDeclaration.ProvideMissingTransactions p && fullTemplate) {
            onMissing(p);
        } else if (m instanceof Sv2JobDeclaration.DeclareMiningJobSuccess s && fullTemplate) {
            Declaration d = pending.remove(s.requestId());
            if (d == null) {
                fail("DeclareMiningJob.Success for unknown request " + s.requestId());
                return;
            }
            lastAccepted = d;
            listener.declared(d, s.newMiningJobToken().toArray());
        } else if (m instanceof Sv2JobDeclaration.DeclareMiningJobError e) {
            Declaration refused = pending.remove(e.requestId());
            if (refused != null && refused.requestId() < latestDeclarationId) {
                // A template the proxy has already replaced, typically declared just before a block the
                // JDS saw first (its coinbase then carries the old height): the newer declaration
                // decides whether this pool is usable, not this one.
                supersededRefusals++;
                return;
            }
            fail("JDS refused the declared job: " + e.errorCode().text()
                    + (e.errorDetails().length() > 0 ? " (" + new String(e.errorDetails().toArray(),
                            java.nio.charset.StandardCharsets.UTF_8) + ")" : ""));
        } else {
            fail("unexpected message from the JDS: " + m.getClass().getSimpleName());
        }
    }

    private void requestToken(long nowNanos) {
        tokenRequestId = nextRequestId++;
        tokenRequestedNanos = nowNanos;
        out.send(new Sv2JobDeclaration.AllocateMiningJobToken(Str0255.of(user), tokenRequestId));
    }

    private void onToken(Sv2JobDeclaration.AllocateMiningJobTokenSuccess s, long nowNanos) {
        if (s.requestId() != tokenRequestId) {
            fail("AllocateMiningJobToken.Success for unknown request " + s.requestId());
            return;
        }
        List<TxOut> outs;
        try {
            outs = CustomJobCoinbase.parseOutputs(s.coinbaseTxOutputs().toArray());
        } catch (IllegalArgumentException e) {
            fail("bad coinbase_tx_outputs from the JDS: " + e.getMessage());
            return;
        }
        if (outs.isEmpty()) {
            fail("the JDS gave no pool payout output");
            return;
        }
        tokenRequestId = -1;
        token = s.miningJobToken().toArray();
        tokenReceivedNanos = nowNanos;
        poolOutputs = outs;
        listener.tokenReady(outs);
    }

    /**
     * Declares {@code coinbase}'s template with the token in hand (a new token is requested at once for
     * the next one). Returns the declaration, or null when no token is in hand yet.
     */
    public Declaration declare(CustomJobCoinbase coinbase, long nowNanos) {
        if (!fullTemplate) {
            throw new IllegalStateException("Coinbase-only mode declares nothing: use takeToken");
        }
        if (state != State.READY || token == null) {
            return null;
        }
        long id = nextRequestId++;
        latestDeclarationId = id;
        List<U256> wtxids = new ArrayList<>();
        coinbase.wtxids().forEach(w -> wtxids.add(U256.of(w)));
        Declaration d = new Declaration(id, coinbase, token, nowNanos);
        pending.put(id, d);
        out.send(new Sv2JobDeclaration.DeclareMiningJob(id, Bytes.of(token), coinbase.template().version() & 0xffffffffL,
                Bytes.of(coinbase.declarePrefix()), Bytes.of(coinbase.declareSuffix()), wtxids, Bytes.EMPTY));
        token = null; // one declaration per token
        requestToken(nowNanos);
        return d;
    }

    /**
     * Coinbase-only: the token for the next SetCustomMiningJob, the same for every job; once it is
     * {@link #COINBASE_ONLY_TOKEN_RENEWAL_NANOS} old a new one is asked for, and the old one serves
     * until it arrives. Null before the first token.
     */
    public byte[] takeToken(long nowNanos) {
        if (fullTemplate) {
            throw new IllegalStateException("Full-Template mode declares each job: use declare");
        }
        if (state != State.READY || token == null) {
            return null;
        }
        if (tokenRequestId < 0 && nowNanos - tokenReceivedNanos > COINBASE_ONLY_TOKEN_RENEWAL_NANOS) {
            requestToken(nowNanos);
        }
        return token;
    }

    private void onMissing(Sv2JobDeclaration.ProvideMissingTransactions p) {
        Declaration d = pending.get(p.requestId());
        if (d == null) {
            fail("ProvideMissingTransactions for unknown declaration " + p.requestId());
            return;
        }
        var txs = d.coinbase().template().transactions();
        List<Bytes> reply = new ArrayList<>();
        for (int pos : p.unknownTxPositionList()) {
            if (pos < 0 || pos >= txs.size()) {
                fail("ProvideMissingTransactions asks for position " + pos + " of " + txs.size());
                return;
            }
            reply.add(Bytes.of(txs.get(pos).data()));
        }
        out.send(new Sv2JobDeclaration.ProvideMissingTransactionsSuccess(p.requestId(), reply));
    }

    /** A block on the last accepted declaration: for the JDS to propagate too (06 section 6.4.9). */
    public void pushSolution(byte[] extranonce, byte[] prevHash, long nonce, long ntime, long nbits, long version) {
        if (state != State.READY || !fullTemplate) { // Coinbase-only: the JDS has no transactions to build it
            return;
        }
        out.send(new Sv2JobDeclaration.PushSolution(Bytes.of(extranonce), U256.of(prevHash), nonce, ntime, nbits, version));
    }

    /** Checks the answers the session waits for. */
    public void tick(long nowNanos) {
        if (state == State.SETTING_UP && nowNanos - setupSentNanos > timeoutNanos) {
            fail("JDS did not answer SetupConnection");
        } else if (state == State.READY && tokenRequestId >= 0 && token == null
                && nowNanos - tokenRequestedNanos > timeoutNanos) {
            fail("JDS did not answer AllocateMiningJobToken");
        } else if (state == State.READY) {
            for (Declaration d : pending.values()) {
                if (nowNanos - d.sentNanos() > timeoutNanos) {
                    fail("JDS did not answer DeclareMiningJob " + d.requestId());
                    return;
                }
            }
        }
    }

    /** The connection closed. */
    public void onClosed() {
        fail("connection to the JDS closed");
    }

    private void fail(String reason) {
        if (state == State.FAILED) {
            return;
        }
        state = State.FAILED;
        listener.failed(reason);
    }
}
