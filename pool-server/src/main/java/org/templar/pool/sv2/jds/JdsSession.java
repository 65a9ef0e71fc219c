package org.templar.pool.sv2.jds;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.Worker;
import org.templar.payout.coinbase.TxOut;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2ExtensionsNegotiation;
import org.templar.pool.sv2.codec.Sv2NonCustodialPayouts;
import org.templar.pool.sv2.codec.Sv2JobDeclaration;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.mining.Sv2ErrorCodes;
import org.templar.pool.sv2.session.Sv2Output;
import org.templar.share.Hex;
import org.templar.share.Sha256;
import org.templar.share.Target;

/**
 * One Job Declaration connection, pool side (06-Job-Declaration-Protocol.md): SetupConnection with
 * protocol 1 (DECLARE_TX_DATA chooses Full-Template, its absence Coinbase-only, which the operator's
 * policy may refuse), AllocateMiningJobToken, and in Full-Template mode DeclareMiningJob with
 * ProvideMissingTransactions, and PushSolution. Sees records only; confined to its connection's event
 * loop. Node work runs asynchronously and comes back through {@link Sv2Output#execute}.
 */
public final class JdsSession implements org.templar.pool.sv2.session.Sv2Session {
    /** How long a declaration one block ahead of the pool's template waits for the pool's node. */
    static final java.time.Duration CATCH_UP = java.time.Duration.ofSeconds(3);
    static final java.time.Duration CATCH_UP_STEP = java.time.Duration.ofMillis(50);

    /**
     * Largest frame a JDC may send. DeclareMiningJob of a full block's wtxids is ~130 KB and
     * ProvideMissingTransactions.Success can carry a block's worth of transactions (4 MB of weight
     * at most ~4 MB of bytes), so the limit is one block plus room.
     */
    public static final int MAX_INBOUND_PAYLOAD = 5 * 1024 * 1024;
    /**
     * Most transactions a declared block can hold: 4,000,000 weight units, and no transaction weighs
     * less than 240 (60 bytes: one input with an empty scriptSig, one output with an empty script).
     * A longer wtxid_list cannot be a valid block, so it is refused before any lookup.
     */
    public static final int MAX_DECLARED_TRANSACTIONS = 4_000_000 / 240;
    /** A client that completed the handshake must send SetupConnection within this. */
    public static final java.time.Duration SETUP_TIMEOUT = java.time.Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(JdsSession.class);
    public static final int PROTOCOL_VERSION = 2;
    /** SetupConnection flag of protocol 1 (spec 6.4.1). */
    public static final long DECLARE_TX_DATA = 1L;

    private enum State { AWAIT_SETUP, READY, CLOSED }

    /** A declaration waiting for ProvideMissingTransactions.Success. */
    private record Pending(DeclarationCheck check, long since) {}

    private final JobDeclarations jd;
    private final Sv2Output out;
    private final String connectionId;
    private State state = State.AWAIT_SETUP;
    private boolean fullTemplate;
    /** Extension 0x0003 negotiated (RequestExtensions.Success listed it): every declaration needs a payout set. */
    private boolean payoutsNegotiated;
    /** Whether a message other than RequestExtensions came after SetupConnection: negotiation is over then. */
    private boolean negotiationOver;
    private final Map<Long, Pending> pending = new HashMap<>();
    /** Declarations being checked by the node (request ids), so a request id is never answered twice. */
    private final java.util.Set<Long> inFlight = new java.util.HashSet<>();
    private DeclaredJob lastDeclared;
    /** Timed-out requests whose ProvideMissingTransactions.Success may still come (oldest first, bounded). */
    private final java.util.Set<Long> lateAnswers = new java.util.LinkedHashSet<>();
    private static final int LATE_ANSWERS_KEPT = 16;
    // token bucket for AllocateMiningJobToken
    private double allowance;
    private long lastRefill = System.nanoTime();
    // and one for RequestPayoutOutputs: each answer reads the share window, and a token may ask again
    private double payoutAllowance;
    private long payoutRefill = System.nanoTime();

    public JdsSession(JobDeclarations jd, Sv2Output out, String connectionId) {
        this.jd = jd;
        this.out = out;
        this.connectionId = connectionId;
        this.allowance = jd.settings().tokensPerMinute();
        this.payoutAllowance = jd.settings().tokensPerMinute();
    }

    public String connectionId() {
        return connectionId;
    }

    @Override
    public boolean isSetUp() {
        return state == State.READY;
    }

    public boolean fullTemplate() {
        return fullTemplate;
    }

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
        if (message instanceof Sv2ExtensionsNegotiation.RequestExtensions r) {
            requestExtensions(r);
            return;
        }
        negotiationOver = true;
        if (message instanceof Sv2NonCustodialPayouts.RequestPayoutOutputs r) {
            requestPayoutOutputs(r);
        } else if (message instanceof Sv2JobDeclaration.AllocateMiningJobToken a) {
            allocate(a);
        } else if (message instanceof Sv2JobDeclaration.DeclareMiningJob d) {
            declare(d);
        } else if (message instanceof Sv2JobDeclaration.ProvideMissingTransactionsSuccess p) {
            provided(p);
        } else if (message instanceof Sv2JobDeclaration.PushSolution p) {
            pushSolution(p);
        } else if (message instanceof Sv2Common.SetupConnection) {
            close("SetupConnection sent twice");
        } else {
            log.debug("{}: ignoring {}", connectionId, message.getClass().getSimpleName());
        }
    }

    private void setup(Sv2Common.SetupConnection s) {
        if (s.protocol() != Sv2Common.SetupConnection.PROTOCOL_JOB_DECLARATION) {
            refuseSetup(0, Sv2ErrorCodes.UNSUPPORTED_PROTOCOL);
            return;
        }
        if (s.minVersion() > PROTOCOL_VERSION || s.maxVersion() < PROTOCOL_VERSION) {
            refuseSetup(0, Sv2ErrorCodes.PROTOCOL_VERSION_MISMATCH);
            return;
        }
        long unknown = s.flags() & ~DECLARE_TX_DATA;
        if (unknown != 0) {
            refuseSetup(unknown, Sv2ErrorCodes.UNSUPPORTED_FEATURE_FLAGS);
            return;
        }
        fullTemplate = (s.flags() & DECLARE_TX_DATA) != 0;
        if (!fullTemplate && !jd.settings().coinbaseOnlyAllowed()) {
            // the flag this pool needs is the one missing: name it, so the client knows what to set
            refuseSetup(DECLARE_TX_DATA, Sv2ErrorCodes.UNSUPPORTED_FEATURE_FLAGS);
            return;
        }
        state = State.READY;
        out.send(new Sv2Common.SetupConnectionSuccess(PROTOCOL_VERSION, 0));
        log.debug("{}: job declaration set up, {} mode", connectionId, fullTemplate ? "Full-Template" : "Coinbase-only");
    }

    private void refuseSetup(long flags, String code) {
        out.send(new Sv2Common.SetupConnectionError(flags, Str0255.of(code)));
        close("setup refused: " + code);
    }

    // ------------------------------------------------------------------ extensions

    /**
     * Extension 0x0001: the JDS supports 0x0003 (non-custodial pool payouts) and nothing else, and
     * requires none. The request must come right after SetupConnection.Success, as 0x0001 says; a late
     * one, or one asking for nothing this JDS has, gets the Error listing what it does not support.
     */
    private void requestExtensions(Sv2ExtensionsNegotiation.RequestExtensions r) {
        List<Integer> supported = r.requestedExtensions().stream()
                .filter(e -> e == Sv2NonCustodialPayouts.EXTENSION_TYPE).distinct().toList();
        if (negotiationOver || payoutsNegotiated || supported.isEmpty()) {
            List<Integer> unsupported = negotiationOver || payoutsNegotiated ? r.requestedExtensions()
                    : r.requestedExtensions().stream().filter(e -> !supported.contains(e)).toList();
            out.send(new Sv2ExtensionsNegotiation.RequestExtensionsError(r.requestId(), unsupported, List.of()));
            return;
        }
        payoutsNegotiated = true;
        negotiationOver = true;
        out.send(new Sv2ExtensionsNegotiation.RequestExtensionsSuccess(r.requestId(), supported));
        log.debug("{}: extension 0x0003 (non-custodial pool payouts) negotiated", connectionId);
    }

    /**
     * Extension 0x0003's RequestPayoutOutputs: the outputs the pool's current plan puts in a coinbase
     * (the TIDES window, pool fee and donation, or the single pool payout output), dividing exactly the
     * requested value, fitting the token's reservation, and tied to the token: the declaration made
     * with it must pay them, and uses them up.
     */
    private void requestPayoutOutputs(Sv2NonCustodialPayouts.RequestPayoutOutputs r) {
        long id = r.requestId();
        if (!payoutsNegotiated) {
            refusePayout(id, JdsErrorCodes.EXTENSION_NOT_NEGOTIATED, "extension 0x0003 was not negotiated");
            return;
        }
        if (!fullTemplate) {
            refusePayout(id, JdsErrorCodes.UNSUPPORTED_MODE, "payout outputs are answered in Full-Template mode only");
            return;
        }
        if (!takePayoutAllowance()) {
            // Each answer plans from the ledger's share window; a client asking again and again for the
            // same token would turn the JDS into a database load generator.
            close("RequestPayoutOutputs flood (more than " + jd.settings().tokensPerMinute() + " a minute)");
            return;
        }
        MiningJobTokens.Allocation token = jd.tokens().allocation(r.miningJobToken())
                .filter(t -> t.connectionId().equals(connectionId)).orElse(null);
        if (token == null) {
            refusePayout(id, jd.tokens().payoutSetUsed(r.miningJobToken()) ? JdsErrorCodes.PAYOUT_OUTPUTS_ALREADY_USED
                    : JdsErrorCodes.INVALID_MINING_JOB_TOKEN, "unknown, expired or used token");
            return;
        }
        long value = r.availablePayoutValue();
        if (value <= 0 || value > org.templar.payout.coinbase.TxOut.MAX_MONEY) {
            refusePayout(id, JdsErrorCodes.INVALID_AVAILABLE_PAYOUT_VALUE, "available_payout_value " + Long.toUnsignedString(value));
            return;
        }
        org.templar.pool.job.Template template = jd.pool().currentTemplate().get();
        if (template == null) {
            refusePayout(id, JdsErrorCodes.STALE_PAYOUT_OUTPUTS, "the pool has no block template yet");
            return;
        }
        BlockTemplate bt = template.blockTemplate();
        java.util.Optional<JobDeclarations.PayoutOutputs.Answer> answer;
        try {
            answer = jd.payoutOutputs().outputs(value, bt, token.reservedOutputBytes(), token.payoutScript());
        } catch (RuntimeException e) {
            log.warn("{}: payout outputs for {} sat could not be planned: {}", connectionId, value, e.toString());
            refusePayout(id, JdsErrorCodes.PAYOUT_OUTPUTS_EXCEED_RESERVATION, "no output set: " + e.getMessage());
            return;
        }
        java.util.Optional<List<TxOut>> outputs = answer.map(JobDeclarations.PayoutOutputs.Answer::outputs);
        byte[] serialized = outputs.map(o -> CoinbaseOutputs.of(o).serialized()).orElse(null);
        if (serialized == null || outputBytes(outputs.get()) > token.reservedOutputBytes() || serialized.length > 0xffff) {
            refusePayout(id, JdsErrorCodes.PAYOUT_OUTPUTS_EXCEED_RESERVATION, "the payout outputs do not fit the "
                    + token.reservedOutputBytes() + " bytes reserved with the token");
            return;
        }
        jd.tokens().offerPayout(token, new MiningJobTokens.PayoutSet(outputs.get(), value, Bytes.of(bt.previousBlockHash()),
                answer.get().jobPayout()));
        out.send(new Sv2NonCustodialPayouts.RequestPayoutOutputsSuccess(id, Bytes.of(serialized)));
    }

    private void refusePayout(long requestId, String code, String detail) {
        log.debug("{}: RequestPayoutOutputs {} refused: {} ({})", connectionId, requestId, code, detail);
        out.send(new Sv2NonCustodialPayouts.RequestPayoutOutputsError(requestId, Str0255.of(code)));
    }

    // ------------------------------------------------------------------ tokens

    private void allocate(Sv2JobDeclaration.AllocateMiningJobToken a) {
        if (!takeAllowance()) {
            // The spec has no error message for this request; a client that floods it is misbehaving.
            close("AllocateMiningJobToken flood (more than " + jd.settings().tokensPerMinute() + " a minute)");
            return;
        }
        Worker worker;
        try {
            worker = jd.pool().authorizer().authorize(a.userIdentifier().text());
        } catch (Authorizer.AuthorizationException e) {
            close("AllocateMiningJobToken for an unknown user: " + e.getMessage());
            return;
        }
        // The pool payout output: where this user's pooled reward goes (the pool's address in pool
        // mode, the miner's own in solo mode): the first output of the user's payout plan.
        List<TxOut> plan = worker.payout().outputs(1);
        Bytes script = Bytes.of(plan.get(0).script());
        List<TxOut> reserved = List.of(new TxOut(0, script.toArray()));
        if (payoutsNegotiated && jd.payoutsInCoinbase()) {
            // extension 0x0003 under an in-coinbase scheme: reserve the room the pool's own coinbase gives
            // its payout outputs (an upper bound, as the draft allows), as zero-valued outputs of the plan
            reserved = reservation(script);
        }
        byte[] outputs = CoinbaseOutputs.of(reserved).serialized();
        MiningJobTokens.Allocation token = jd.tokens().allocate(worker.user(), connectionId, fullTemplate, script,
                outputBytes(reserved));
        out.send(new Sv2JobDeclaration.AllocateMiningJobTokenSuccess(a.requestId(), token.token(), Bytes.of(outputs)));
    }

    /** The outputs of the pool's current coinbase plan with zero amounts: their size is the reservation. */
    private List<TxOut> reservation(Bytes poolScript) {
        org.templar.pool.job.Template template = jd.pool().currentTemplate().get();
        if (template == null || template.planned() == null) {
            return List.of(new TxOut(0, poolScript.toArray()));
        }
        List<TxOut> zeroed = new java.util.ArrayList<>();
        for (TxOut o : template.planned().outputs(template.blockTemplate().coinbaseValue())) {
            zeroed.add(new TxOut(0, o.script()));
        }
        return zeroed;
    }

    /** Serialized size of outputs, without their count. */
    private static int outputBytes(List<TxOut> outputs) {
        int n = 0;
        for (TxOut o : outputs) {
            n += o.serializedSize();
        }
        return n;
    }

    private boolean takeAllowance() {
        long now = System.nanoTime();
        int perMinute = jd.settings().tokensPerMinute();
        allowance = Math.min(perMinute, allowance + (now - lastRefill) / 60e9 * perMinute);
        lastRefill = now;
        if (allowance < 1) {
            return false;
        }
        allowance -= 1;
        return true;
    }

    /** As {@link #takeAllowance()}, at the same rate, for RequestPayoutOutputs. */
    private boolean takePayoutAllowance() {
        long now = System.nanoTime();
        int perMinute = jd.settings().tokensPerMinute();
        payoutAllowance = Math.min(perMinute, payoutAllowance + (now - payoutRefill) / 60e9 * perMinute);
        payoutRefill = now;
        if (payoutAllowance < 1) {
            return false;
        }
        payoutAllowance -= 1;
        return true;
    }

    // ------------------------------------------------------------------ declarations

    private void declare(Sv2JobDeclaration.DeclareMiningJob d) {
        long id = d.requestId();
        if (!fullTemplate) {
            refuse(id, JdsErrorCodes.INVALID_MINING_JOB_TOKEN,
                    "this connection is in Coinbase-only mode (SetupConnection without DECLARE_TX_DATA)");
            return;
        }
        if (pending.containsKey(id) || inFlight.contains(id)) {
            refuse(id, JdsErrorCodes.invalidParam("request_id"), "request " + id + " is still being checked");
            return;
        }
        int open = pending.size() + inFlight.size();
        if (open >= jd.settings().maxOpenDeclarations()) {
            // before the token is looked at: it stays usable for a declaration once an answer came
            refuse(id, JdsErrorCodes.TOO_MANY_OPEN_DECLARATIONS, "this connection has " + open + " declarations open"
                    + " (being checked or waiting for their transactions); this pool allows "
                    + jd.settings().maxOpenDeclarations());
            return;
        }
        if (d.wtxidList().size() > MAX_DECLARED_TRANSACTIONS) {
            refuse(id, JdsErrorCodes.invalidParam("wtxid_list"), "wtxid_list names " + d.wtxidList().size()
                    + " transactions; a block holds at most " + MAX_DECLARED_TRANSACTIONS + " (4,000,000 weight units"
                    + " at 240 for the smallest transaction)");
            return;
        }
        MiningJobTokens.Allocation token = jd.tokens().allocation(d.miningJobToken())
                .filter(t -> t.connectionId().equals(connectionId) && t.fullTemplate()).orElse(null);
        if (token == null && payoutsNegotiated && jd.tokens().payoutSetUsed(d.miningJobToken())) {
            refuse(id, JdsErrorCodes.PAYOUT_OUTPUTS_ALREADY_USED, "the payout outputs of this token were already"
                    + " used by a declared job; they are single-use");
            return;
        }
        MiningJobTokens.PayoutSet payout = null;
        if (token != null && payoutsNegotiated) {
            payout = jd.tokens().payoutSet(token.token()).orElse(null);
            if (payout == null) {
                // the token stays usable: the JDC may request the outputs and declare again
                refuse(id, JdsErrorCodes.INVALID_PAYOUT_OUTPUTS, "no RequestPayoutOutputs.Success for this token;"
                        + " extension 0x0003 needs a fresh payout output set for each declared job");
                return;
            }
        }
        if (token == null || !jd.tokens().consume(token)) {
            refuse(id, JdsErrorCodes.INVALID_MINING_JOB_TOKEN,
                    "unknown, expired or already used token, or one allocated on another connection");
            return;
        }
        prepare(d, token, payout, System.nanoTime() + CATCH_UP.toNanos());
    }

    /**
     * Stage 1 of the check; a declaration one block ahead of the pool's template is tried again every
     * {@link #CATCH_UP_STEP} until {@code catchUpDeadline}: the miner's node learns of a block (most often
     * the one this miner just found through the pool) a moment before the pool's node has it and the pool
     * a template on it. Refusing then would cost an honest miner its pool. The wait counts as an open
     * declaration, so the limit on those bounds it.
     */
    private void prepare(Sv2JobDeclaration.DeclareMiningJob d, MiningJobTokens.Allocation token,
            MiningJobTokens.PayoutSet payout, long catchUpDeadline) {
        long id = d.requestId();
        DeclarationCheck check;
        try {
            check = DeclarationCheck.prepare(d, token, jd.pool().currentTemplate().get(), payout);
        } catch (DeclarationCheck.AheadOfThePool e) {
            if (System.nanoTime() - catchUpDeadline < 0) {
                inFlight.add(id);
                java.util.concurrent.CompletableFuture.delayedExecutor(CATCH_UP_STEP.toMillis(),
                        java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> out.execute(() -> {
                            inFlight.remove(id);
                            if (state != State.CLOSED) {
                                prepare(d, token, payout, catchUpDeadline);
                            }
                        }));
                return;
            }
            refuse(id, e.code(), e.getMessage() + " (the pool's node did not reach that height within "
                    + CATCH_UP.toMillis() + " ms)");
            return;
        } catch (DeclarationCheck.Refused e) {
            refuse(id, e.code(), e.getMessage());
            return;
        }
        inFlight.add(id);
        check.lookup(jd).whenComplete((looked, err) -> out.execute(() -> {
            if (state == State.CLOSED) {
                return;
            }
            if (err != null) {
                inFlight.remove(id);
                failed(id, err);
                return;
            }
            List<Integer> missing = looked.missing();
            if (missing.isEmpty()) {
                finish(looked);
                return;
            }
            inFlight.remove(id);
            pending.put(id, new Pending(looked, System.nanoTime()));
            out.send(new Sv2JobDeclaration.ProvideMissingTransactions(id, missing));
        }));
    }

    private void provided(Sv2JobDeclaration.ProvideMissingTransactionsSuccess p) {
        Pending w = pending.remove(p.requestId());
        if (w == null) {
            if (lateAnswers.remove(p.requestId())) {
                // the answer to a request refused for its timeout: an honest JDC that was slow
                log.debug("{}: ProvideMissingTransactions.Success for request {} after its timeout", connectionId,
                        p.requestId());
                return;
            }
            // Never asked for, or answered twice: each can carry megabytes the JDS must decrypt and
            // parse, so a JDC that sends them is closed rather than left to repeat it.
            close("ProvideMissingTransactions.Success for request " + p.requestId() + ", which is waiting for no"
                    + " transactions");
            return;
        }
        DeclarationCheck complete;
        try {
            complete = w.check().withProvided(p.transactionList());
        } catch (DeclarationCheck.Refused e) {
            refuse(p.requestId(), e.code(), e.getMessage());
            return;
        }
        inFlight.add(p.requestId());
        finish(complete);
    }

    private void finish(DeclarationCheck check) {
        long id = check.message().requestId();
        check.finish(jd.nodes().primary(), jd.nodeCalls(), jd.settings()).whenComplete((job, err) -> out.execute(() -> {
            inFlight.remove(id);
            if (state == State.CLOSED) {
                return;
            }
            if (err != null) {
                failed(id, err);
                return;
            }
            lastDeclared = jd.tokens().register(job);
            log.debug("{}: declared job accepted at height {} with {} transactions, revenue weight {}", connectionId,
                    lastDeclared.height(), lastDeclared.transactions().size(), lastDeclared.revenueWeight());
            jd.pool().metrics().jobDeclaration(org.templar.pool.core.TemplateSourceStats.ACCEPTED, connectionId);
            out.send(new Sv2JobDeclaration.DeclareMiningJobSuccess(id, lastDeclared.token()));
        }));
    }

    private void failed(long id, Throwable err) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (cause instanceof DeclarationCheck.RefusedCompletion r) {
            refuse(id, r.refused().code(), r.refused().getMessage());
        } else {
            log.warn("{}: declaration {} could not be checked: {}", connectionId, id, cause.toString());
            // not the miner's fault: a code of its own, so a JDC can tell it from a refusal of its job
            refuse(id, JdsErrorCodes.POOL_NODE_UNAVAILABLE, "the pool's node could not check the job: " + cause.getMessage());
        }
    }

    private void refuse(long requestId, String code, String detail) {
        log.debug("{}: declaration {} refused: {} ({})", connectionId, requestId, code, detail);
        jd.pool().metrics().jobDeclaration(code, connectionId);
        byte[] details = detail.getBytes(StandardCharsets.UTF_8);
        if (details.length > 0xffff) {
            details = Arrays.copyOf(details, 0xffff);
        }
        out.send(new Sv2JobDeclaration.DeclareMiningJobError(requestId, Str0255.of(code), Bytes.of(details)));
    }

    // ------------------------------------------------------------------ solutions

    /**
     * PushSolution (6.4.9): rebuild the block from the most recent DeclareMiningJob.Success on this
     * connection and submit it to the pool's nodes. A solution that does not fit that job, or whose
     * hash does not meet its target, is not propagated (the miner's own node has it anyway).
     */
    private void pushSolution(Sv2JobDeclaration.PushSolution p) {
        DeclaredJob job = lastDeclared;
        if (job == null) {
            log.info("{}: PushSolution with no declared job on this connection; ignored", connectionId);
            return;
        }
        if (!Arrays.equals(job.prevHash().toArray(), p.prevHash().toArray())
                || p.extranonce().length() != job.coinbase().extranonceSize()) {
            log.info("{}: PushSolution does not fit the last declared job; not propagated", connectionId);
            return;
        }
        byte[] block = DeclarationCheck.assemble(job.coinbase(), job.branch(),
                job.transactions().toArray(BlockTemplate.Tx[]::new), (int) p.version(), job.prevHash().toArray(),
                (int) p.ntime(), (int) p.nbits(), p.extranonce().toArray(), (int) p.nonce());
        byte[] hash = Sha256.hashTwice(Arrays.copyOf(block, 80));
        if (!Target.fromCompact((int) p.nbits()).isMetBy(hash)) {
            log.info("{}: PushSolution does not meet its target; not propagated", connectionId);
            return;
        }
        String hashHex = Hex.encode(Hex.reverse(hash));
        log.info("{}: PushSolution: submitting block {} at height {} to the pool's nodes", connectionId, hashHex,
                job.height());
        jd.nodes().submitBlock(Hex.encode(block)).whenComplete((r, e) -> {
            if (e != null) {
                log.warn("pushed block {} could not be submitted: {}", hashHex, e.toString());
            } else {
                log.info("pushed block {}: {} by the pool's nodes ({})", hashHex, r.accepted() ? "accepted" : "not accepted",
                        r.answers());
            }
        });
    }

    // ------------------------------------------------------------------ lifecycle

    /** About once a second: declarations whose missing transactions never came are refused. */
    @Override
    public void onTick() {
        if (state != State.READY || pending.isEmpty()) {
            return;
        }
        long limit = jd.settings().declarationTimeout().toNanos();
        long now = System.nanoTime();
        for (var it = pending.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            if (now - e.getValue().since() > limit) {
                it.remove();
                rememberLate(e.getKey());
                refuse(e.getKey(), JdsErrorCodes.invalidParam("transaction_list"),
                        "the missing transactions were not provided within " + jd.settings().declarationTimeout());
            }
        }
    }

    /** Request ids whose wait for transactions timed out: their late answer is ignored, once each. */
    private void rememberLate(long requestId) {
        lateAnswers.add(requestId);
        if (lateAnswers.size() > LATE_ANSWERS_KEPT) {
            lateAnswers.remove(lateAnswers.iterator().next());
        }
    }

    private void close(String reason) {
        state = State.CLOSED;
        out.close(reason);
    }

    @Override
    public void onClosed() {
        state = State.CLOSED;
        pending.clear();
    }
}
