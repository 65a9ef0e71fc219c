package org.templar.client.proxy;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.CoinbaseOutputConstraints;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.NewTemplate;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.RequestTransactionData;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.RequestTransactionDataError;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.RequestTransactionDataSuccess;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.SetNewPrevHash;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.SubmitSolution;
import org.templar.pool.sv2.session.Sv2Output;

/**
 * The proxy's Template Distribution client (07-Template-Distribution-Protocol.md): a state machine
 * over message records, confined to its connection's thread, with no transport of its own.
 *
 * <pre>
 * start: SetupConnection(protocol 2) --Success--> CoinbaseOutputConstraints sent, READY
 * READY: NewTemplate(future)  kept until a SetNewPrevHash names it
 *        SetNewPrevHash       the named template becomes current: RequestTransactionData for it
 *        NewTemplate(now)     for the current prev hash: RequestTransactionData for it
 *        RequestTransactionData.Success for the newest requested template: assembled, handed on
 * </pre>
 *
 * Only the newest template asked for is handed on (data for an older one that arrives late is
 * dropped). A template the proxy cannot mine exactly (see {@link TdpTemplateAssembler}) is refused
 * and logged; the miners keep the last good work.
 */
public final class TdpClientSession {
    private static final Logger log = LoggerFactory.getLogger(TdpClientSession.class);
    /** Templates kept while waiting for their SetNewPrevHash or transaction data. */
    static final int REMEMBERED = 16;

    /** Where complete templates go. */
    public interface Listener {
        void onTemplate(BlockTemplate template);

        /** A template was refused (does not match its merkle path, unsupported outputs, error from the provider). */
        default void onRefused(long templateId, String reason) {
        }
    }

    /** The provider refused the connection (SetupConnection.Error). */
    public static final class SetupRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SetupRefused(String code) {
            super("the template provider refused the connection: " + code);
        }
    }

    private enum State { NEW, AWAIT_SETUP, READY, CLOSED }

    private final Sv2Output out;
    private final Listener listener;
    private final long maxAdditionalOutputBytes;
    private final int maxAdditionalSigops;
    private final CompletableFuture<Void> setUp = new CompletableFuture<>();
    private final Map<Long, NewTemplate> templates = new LinkedHashMap<>();
    private final Deque<Long> order = new ArrayDeque<>();
    private State state = State.NEW;
    private SetNewPrevHash prevHash;
    /** The newest template whose data was asked for; -1 before any. */
    private long requested = -1;
    private boolean anyRequested;

    public TdpClientSession(Sv2Output out, Listener listener, long maxAdditionalOutputBytes, int maxAdditionalSigops) {
        this.out = Objects.requireNonNull(out, "out");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.maxAdditionalOutputBytes = maxAdditionalOutputBytes;
        this.maxAdditionalSigops = maxAdditionalSigops;
        new CoinbaseOutputConstraints(maxAdditionalOutputBytes, maxAdditionalSigops); // range checks, early
    }

    /** Sends SetupConnection; the future completes once the provider accepted it and the constraints are sent. */
    public CompletableFuture<Void> start(String host, int port) {
        if (state != State.NEW) {
            throw new IllegalStateException("already started");
        }
        state = State.AWAIT_SETUP;
        out.send(new Sv2Common.SetupConnection(Sv2Common.SetupConnection.PROTOCOL_TEMPLATE_DISTRIBUTION, 2, 2, 0,
                Str0255.of(host), port, Str0255.of("Templar"), Str0255.of("templar proxy"), Str0255.of(""),
                Str0255.of("")));
        return setUp;
    }

    public boolean isReady() {
        return state == State.READY;
    }

    public void onMessage(Sv2Message m) {
        switch (state) {
            case NEW, CLOSED -> { }
            case AWAIT_SETUP -> {
                if (m instanceof Sv2Common.SetupConnectionSuccess s) {
                    state = State.READY;
                    out.send(new CoinbaseOutputConstraints(maxAdditionalOutputBytes, maxAdditionalSigops));
                    log.info("template provider accepted the connection (version {})", s.usedVersion());
                    setUp.complete(null);
                } else if (m instanceof Sv2Common.SetupConnectionError e) {
                    fail(new SetupRefused(e.errorCode().toString()));
                } else {
                    fail(new IllegalStateException("expected SetupConnection.Success, got " + m.getClass().getSimpleName()));
                }
            }
            case READY -> ready(m);
        }
    }

    private void ready(Sv2Message m) {
        if (m instanceof NewTemplate t) {
            remember(t);
            if (!t.futureTemplate()) {
                if (prevHash == null) {
                    listener.onRefused(t.templateId(), "a template for immediate use came before any SetNewPrevHash");
                    return;
                }
                request(t.templateId());
            }
        } else if (m instanceof SetNewPrevHash p) {
            NewTemplate t = templates.get(p.templateId());
            if (t == null || !t.futureTemplate()) {
                fail(new IllegalStateException("SetNewPrevHash names template " + Long.toUnsignedString(p.templateId())
                        + ", which was not sent as a future template"));
                return;
            }
            prevHash = p;
            // future templates sent before this one are for a prev hash that will never come
            templates.entrySet().removeIf(e -> e.getValue().futureTemplate()
                    && Long.compareUnsigned(e.getKey(), p.templateId()) < 0);
            order.retainAll(templates.keySet());
            request(p.templateId());
        } else if (m instanceof RequestTransactionDataSuccess d) {
            if (!anyRequested || d.templateId() != requested) {
                log.debug("transaction data for template {} arrived after a newer template; dropped",
                        Long.toUnsignedString(d.templateId()));
                return;
            }
            NewTemplate t = templates.get(d.templateId());
            if (t == null) {
                return;
            }
            BlockTemplate bt;
            try {
                bt = TdpTemplateAssembler.assemble(t, prevHash, d);
            } catch (IllegalArgumentException e) {
                log.error("refusing a template from the provider: {}", e.getMessage());
                listener.onRefused(d.templateId(), e.getMessage());
                return;
            }
            listener.onTemplate(bt);
        } else if (m instanceof RequestTransactionDataError e) {
            log.warn("the template provider has no transactions for template {}: {}",
                    Long.toUnsignedString(e.templateId()), e.errorCode());
            listener.onRefused(e.templateId(), e.errorCode().toString());
        } else {
            fail(new IllegalStateException("unexpected " + m.getClass().getSimpleName()
                    + " on a Template Distribution connection"));
        }
    }

    private void remember(NewTemplate t) {
        templates.put(t.templateId(), t);
        order.addLast(t.templateId());
        while (order.size() > REMEMBERED) {
            templates.remove(order.removeFirst());
        }
    }

    private void request(long templateId) {
        requested = templateId;
        anyRequested = true;
        out.send(new RequestTransactionData(templateId));
    }

    /**
     * Sends a solution for a template this session handed on.
     *
     * @param coinbaseTx the whole coinbase, with its witness (BIP141) when the block commits to witnesses
     */
    public void submitSolution(long templateId, int version, int headerTimestamp, int nonce, byte[] coinbaseTx) {
        if (state != State.READY) {
            throw new IllegalStateException("the template provider connection is not ready");
        }
        out.send(new SubmitSolution(templateId, version & 0xFFFF_FFFFL, headerTimestamp & 0xFFFF_FFFFL,
                nonce & 0xFFFF_FFFFL, Bytes.of(coinbaseTx)));
    }

    public void onClosed() {
        if (state != State.CLOSED) {
            state = State.CLOSED;
            setUp.completeExceptionally(new IllegalStateException("the template provider connection closed"));
        }
    }

    private void fail(RuntimeException e) {
        log.error("template provider: {}", e.getMessage());
        state = State.CLOSED;
        setUp.completeExceptionally(e);
        out.close(e.getMessage());
    }
}
