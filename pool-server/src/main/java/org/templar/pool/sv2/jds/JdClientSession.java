package org.templar.pool.sv2.jds;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2ExtensionsNegotiation;
import org.templar.pool.sv2.codec.Sv2JobDeclaration;
import org.templar.pool.sv2.codec.Sv2NonCustodialPayouts;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.session.Sv2Output;

/**
 * The miner side of a Job Declaration connection (a JDC), as a state machine over message records:
 * SetupConnection (protocol 1, DECLARE_TX_DATA for Full-Template), then requests whose answers
 * complete futures. ProvideMissingTransactions is answered from the {@link TransactionSource} given
 * with the declaration. Confined to its connection's event loop; {@link JdClient} puts it on a socket.
 */
public final class JdClientSession {
    /** Where a declaration's transactions come from when the JDS asks for them. */
    @FunctionalInterface
    public interface TransactionSource {
        /** The full serialized transaction (with witness) at {@code position} of the declared wtxid_list. */
        Bytes transaction(int position);
    }

    /** How the JDS answered a DeclareMiningJob. */
    public sealed interface DeclareOutcome {
        /** Accepted: SetCustomMiningJob must carry {@code newMiningJobToken}. */
        record Accepted(Bytes newMiningJobToken, int missingProvided) implements DeclareOutcome {}

        /** Refused with the spec's error code and the server's readable details. */
        record Refused(String errorCode, String details) implements DeclareOutcome {}
    }

    /** How the JDS answered RequestPayoutOutputs (extension 0x0003). */
    public sealed interface PayoutOutcome {
        /** The outputs, as coinbase_tx_outputs: CompactSize count, then the outputs. */
        record Outputs(Bytes coinbaseTxOutputs) implements PayoutOutcome {}

        /** RequestPayoutOutputs.Error's code. */
        record Refused(String errorCode) implements PayoutOutcome {}
    }

    /** SetupConnection.Error as an exception for the connect future. */
    public static final class SetupRefused extends Exception {
        private static final long serialVersionUID = 1L;
        private final String code;
        private final long flags;

        SetupRefused(String code, long flags) {
            super("the JDS refused the connection: " + code + " (flags " + flags + ")");
            this.code = code;
            this.flags = flags;
        }

        public String code() {
            return code;
        }

        public long flags() {
            return flags;
        }
    }

    private record PendingDeclaration(CompletableFuture<DeclareOutcome> result, TransactionSource source,
            int[] provided) {}

    private final Sv2Output out;
    private final boolean declareTxData;
    private final CompletableFuture<Void> setUp = new CompletableFuture<>();
    private final Map<Long, CompletableFuture<Sv2JobDeclaration.AllocateMiningJobTokenSuccess>> tokens = new HashMap<>();
    private final Map<Long, PendingDeclaration> declarations = new HashMap<>();
    private final Map<Long, CompletableFuture<PayoutOutcome>> payouts = new HashMap<>();
    /** RequestExtensions.Success or .Error by request id (U16). */
    private final Map<Integer, CompletableFuture<Sv2Message>> extensions = new HashMap<>();
    private long nextRequestId = 1;
    private boolean closed;

    public JdClientSession(Sv2Output out, boolean declareTxData) {
        this.out = out;
        this.declareTxData = declareTxData;
    }

    /** Sends SetupConnection; the future completes on SetupConnection.Success. */
    public CompletableFuture<Void> start(String host, int port) {
        out.send(new Sv2Common.SetupConnection(Sv2Common.SetupConnection.PROTOCOL_JOB_DECLARATION,
                JdsSession.PROTOCOL_VERSION, JdsSession.PROTOCOL_VERSION, declareTxData ? JdsSession.DECLARE_TX_DATA : 0,
                Str0255.of(host), port, Str0255.of("Templar"), Str0255.of(""), Str0255.of(""), Str0255.of("")));
        return setUp;
    }

    public CompletableFuture<Sv2JobDeclaration.AllocateMiningJobTokenSuccess> allocateToken(String userIdentifier) {
        CompletableFuture<Sv2JobDeclaration.AllocateMiningJobTokenSuccess> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(gone());
            return f;
        }
        long id = nextRequestId++;
        tokens.put(id, f);
        out.send(new Sv2JobDeclaration.AllocateMiningJobToken(Str0255.of(userIdentifier), id));
        return f;
    }

    /** Declares a job (Full-Template); the request id is assigned here. */
    public CompletableFuture<DeclareOutcome> declare(Bytes miningJobToken, long version, Bytes coinbaseTxPrefix,
            Bytes coinbaseTxSuffix, List<org.templar.pool.sv2.codec.U256> wtxids, Bytes excessData,
            TransactionSource source) {
        CompletableFuture<DeclareOutcome> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(gone());
            return f;
        }
        long id = nextRequestId++;
        declarations.put(id, new PendingDeclaration(f, source, new int[1]));
        out.send(new Sv2JobDeclaration.DeclareMiningJob(id, miningJobToken, version, coinbaseTxPrefix, coinbaseTxSuffix,
                wtxids, excessData));
        return f;
    }

    /**
     * Extension 0x0001: asks for {@code requested} right after setup; completes with
     * RequestExtensions.Success or RequestExtensions.Error.
     */
    public CompletableFuture<Sv2Message> requestExtensions(List<Integer> requested) {
        CompletableFuture<Sv2Message> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(gone());
            return f;
        }
        int id = (int) (nextRequestId++ & 0xffff);
        extensions.put(id, f);
        out.send(new Sv2ExtensionsNegotiation.RequestExtensions(id, requested));
        return f;
    }

    /** Extension 0x0003: the payout outputs dividing {@code availablePayoutValue} sat for a token. */
    public CompletableFuture<PayoutOutcome> requestPayoutOutputs(Bytes miningJobToken, long availablePayoutValue) {
        CompletableFuture<PayoutOutcome> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(gone());
            return f;
        }
        long id = nextRequestId++;
        payouts.put(id, f);
        out.send(new Sv2NonCustodialPayouts.RequestPayoutOutputs(id, miningJobToken, availablePayoutValue));
        return f;
    }

    public void pushSolution(Sv2JobDeclaration.PushSolution solution) {
        out.send(solution);
    }

    public void onMessage(Sv2Message m) {
        if (m instanceof Sv2Common.SetupConnectionSuccess) {
            setUp.complete(null);
        } else if (m instanceof Sv2Common.SetupConnectionError e) {
            setUp.completeExceptionally(new SetupRefused(e.errorCode().text(), e.flags()));
        } else if (m instanceof Sv2JobDeclaration.AllocateMiningJobTokenSuccess s) {
            var f = tokens.remove(s.requestId());
            if (f != null) {
                f.complete(s);
            }
        } else if (m instanceof Sv2ExtensionsNegotiation.RequestExtensionsSuccess s) {
            var f = extensions.remove(s.requestId());
            if (f != null) {
                f.complete(s);
            }
        } else if (m instanceof Sv2ExtensionsNegotiation.RequestExtensionsError e) {
            var f = extensions.remove(e.requestId());
            if (f != null) {
                f.complete(e);
            }
        } else if (m instanceof Sv2NonCustodialPayouts.RequestPayoutOutputsSuccess s) {
            var f = payouts.remove(s.requestId());
            if (f != null) {
                f.complete(new PayoutOutcome.Outputs(s.coinbaseTxOutputs()));
            }
        } else if (m instanceof Sv2NonCustodialPayouts.RequestPayoutOutputsError e) {
            var f = payouts.remove(e.requestId());
            if (f != null) {
                f.complete(new PayoutOutcome.Refused(e.errorCode().text()));
            }
        } else if (m instanceof Sv2JobDeclaration.ProvideMissingTransactions p) {
            PendingDeclaration d = declarations.get(p.requestId());
            if (d == null) {
                return;
            }
            List<Bytes> txs = new ArrayList<>();
            for (int position : p.unknownTxPositionList()) {
                txs.add(d.source().transaction(position));
            }
            d.provided()[0] += txs.size();
            out.send(new Sv2JobDeclaration.ProvideMissingTransactionsSuccess(p.requestId(), txs));
        } else if (m instanceof Sv2JobDeclaration.DeclareMiningJobSuccess s) {
            PendingDeclaration d = declarations.remove(s.requestId());
            if (d != null) {
                d.result().complete(new DeclareOutcome.Accepted(s.newMiningJobToken(), d.provided()[0]));
            }
        } else if (m instanceof Sv2JobDeclaration.DeclareMiningJobError e) {
            PendingDeclaration d = declarations.remove(e.requestId());
            if (d != null) {
                d.result().complete(new DeclareOutcome.Refused(e.errorCode().text(),
                        new String(e.errorDetails().toArray(), StandardCharsets.UTF_8)));
            }
        }
    }

    /** The connection is gone: every waiting future fails. */
    public void onClosed() {
        closed = true; // requests made from now on fail at once instead of waiting forever
        IllegalStateException gone = gone();
        setUp.completeExceptionally(gone);
        tokens.values().forEach(f -> f.completeExceptionally(gone));
        declarations.values().forEach(d -> d.result().completeExceptionally(gone));
        payouts.values().forEach(f -> f.completeExceptionally(gone));
        extensions.values().forEach(f -> f.completeExceptionally(gone));
        tokens.clear();
        declarations.clear();
        payouts.clear();
        extensions.clear();
    }

    private static IllegalStateException gone() {
        return new IllegalStateException("the Job Declaration connection closed");
    }
}
