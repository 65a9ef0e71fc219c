package org.templar.pool.sv2.tdp;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.CoinbaseOutputConstraints;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.RequestTransactionData;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.RequestTransactionDataError;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.RequestTransactionDataSuccess;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.SubmitSolution;
import org.templar.pool.sv2.session.Sv2Output;

/**
 * One Template Distribution client, provider side (07-Template-Distribution-Protocol.md): a state
 * machine over message records, confined to its connection's event loop.
 *
 * <pre>
 * AWAIT_SETUP --SetupConnection(protocol 2)--> AWAIT_CONSTRAINTS --CoinbaseOutputConstraints--> SERVING
 * </pre>
 *
 * In SERVING the client gets the current template at once (NewTemplate with future_template set, then
 * the SetNewPrevHash that activates it), and afterwards every new template: on a new tip the same pair,
 * for fresher fees on the same tip a NewTemplate for immediate use. It can ask for any of its last
 * {@link #REMEMBERED} templates' transactions and submit solutions for them; an older id is stale, an id
 * never sent is unknown.
 */
public final class TemplateProviderSession implements org.templar.pool.sv2.session.Sv2Session {
    private static final Logger log = LoggerFactory.getLogger(TemplateProviderSession.class);
    /** Templates a client can still refer to: enough for a solution found just before a new tip. */
    static final int REMEMBERED = 8;
    /** The witness reserved value the provider's blocks use, given as RequestTransactionData's excess data. */
    private static final Bytes WITNESS_RESERVED_VALUE = Bytes.of(new byte[32]);

    private enum State { AWAIT_SETUP, AWAIT_CONSTRAINTS, SERVING, CLOSED }

    private final TemplateProvider provider;
    private final Sv2Output out;
    private final String connectionId;
    private final Deque<ProvidedTemplate> recent = new ArrayDeque<>();
    private State state = State.AWAIT_SETUP;
    private long additionalOutputBytes;
    private BlockTemplate lastSent;
    /** The first template id this client was sent: lower ids were never its own. */
    private long firstSentId = -1;

    public TemplateProviderSession(TemplateProvider provider, Sv2Output out, String connectionId) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.out = Objects.requireNonNull(out, "out");
        this.connectionId = connectionId;
    }

    @Override
    public boolean isSetUp() {
        return state == State.SERVING || state == State.AWAIT_CONSTRAINTS;
    }

    @Override
    public void onMessage(Sv2Message message) {
        switch (state) {
            case AWAIT_SETUP -> {
                if (message instanceof Sv2Common.SetupConnection s) {
                    setup(s);
                } else {
                    close("first message must be SetupConnection, got " + message.getClass().getSimpleName());
                }
            }
            case AWAIT_CONSTRAINTS -> {
                if (message instanceof CoinbaseOutputConstraints c) {
                    additionalOutputBytes = c.coinbaseOutputMaxAdditionalSize();
                    state = State.SERVING;
                    BlockTemplate current = provider.current();
                    if (current != null) {
                        send(current);
                    }
                } else {
                    close("CoinbaseOutputConstraints must follow SetupConnection, got "
                            + message.getClass().getSimpleName());
                }
            }
            case SERVING -> serve(message);
            case CLOSED -> { }
        }
    }

    private void setup(Sv2Common.SetupConnection s) {
        if (s.protocol() != Sv2Common.SetupConnection.PROTOCOL_TEMPLATE_DISTRIBUTION) {
            out.send(new Sv2Common.SetupConnectionError(0, Str0255.of("unsupported-protocol")));
            close("SetupConnection for protocol " + s.protocol() + " on the Template Distribution port");
            return;
        }
        if (s.minVersion() > 2 || s.maxVersion() < 2) {
            out.send(new Sv2Common.SetupConnectionError(0, Str0255.of("protocol-version-mismatch")));
            close("no common protocol version (client " + s.minVersion() + ".." + s.maxVersion() + ")");
            return;
        }
        out.send(new Sv2Common.SetupConnectionSuccess(2, 0));
        state = State.AWAIT_CONSTRAINTS;
    }

    private void serve(Sv2Message message) {
        if (message instanceof CoinbaseOutputConstraints c) {
            // the spec lets a client change its mind; templates from now on respect the new size
            additionalOutputBytes = c.coinbaseOutputMaxAdditionalSize();
        } else if (message instanceof RequestTransactionData r) {
            ProvidedTemplate t = find(r.templateId());
            if (t == null) {
                out.send(new RequestTransactionDataError(r.templateId(), Str0255.of(unknownOrStale(r.templateId()))));
                return;
            }
            out.send(new RequestTransactionDataSuccess(t.templateId(), WITNESS_RESERVED_VALUE,
                    t.transactions().stream().map(tx -> Bytes.of(tx.data())).toList()));
        } else if (message instanceof SubmitSolution s) {
            ProvidedTemplate t = find(s.templateId());
            String missing = t == null ? unknownOrStale(s.templateId()) : null;
            if ("template-id-not-found".equals(missing)) {
                // never sent to this client: not a race with a new tip, and each one would be a log line
                close("SubmitSolution for template " + Long.toUnsignedString(s.templateId()) + " it was never sent");
            } else if (missing != null) {
                log.info("{}: solution for stale template {} ignored", connectionId, Long.toUnsignedString(s.templateId()));
            } else if (!provider.submit(connectionId, t, s)) {
                close("SubmitSolution that is not a block");
            }
        } else if (message instanceof Sv2Common.SetupConnection) {
            close("SetupConnection sent twice");
        } else {
            close("unexpected " + message.getClass().getSimpleName() + " on a Template Distribution connection");
        }
    }

    /** A new template from the node; called on this session's loop. */
    public void onTemplate(BlockTemplate template) {
        if (state == State.SERVING && template != lastSent) {
            send(template);
        }
    }

    private void send(BlockTemplate template) {
        boolean newTip = lastSent == null
                || !Arrays.equals(lastSent.previousBlockHash(), template.previousBlockHash());
        ProvidedTemplate t = ProvidedTemplate.of(provider.nextTemplateId(), template, additionalOutputBytes);
        lastSent = template;
        if (firstSentId == -1) {
            firstSentId = t.templateId();
        }
        recent.addFirst(t);
        while (recent.size() > REMEMBERED) {
            recent.removeLast();
        }
        if (newTip) {
            // spec 7.2/7.3: a future template, then the SetNewPrevHash that makes it current
            out.send(t.newTemplate(true));
            out.send(t.setNewPrevHash());
        } else {
            out.send(t.newTemplate(false));
        }
    }

    private ProvidedTemplate find(long templateId) {
        for (ProvidedTemplate t : recent) {
            if (t.templateId() == templateId) {
                return t;
            }
        }
        return null;
    }

    private String unknownOrStale(long templateId) {
        boolean sentBefore = !recent.isEmpty() && Long.compareUnsigned(templateId, recent.peekLast().templateId()) < 0
                && firstSentId != -1 && Long.compareUnsigned(templateId, firstSentId) >= 0;
        return sentBefore ? "stale-template-id" : "template-id-not-found";
    }

    @Override
    public void onClosed() {
        state = State.CLOSED;
    }

    private void close(String reason) {
        state = State.CLOSED;
        out.close(reason);
    }
}
