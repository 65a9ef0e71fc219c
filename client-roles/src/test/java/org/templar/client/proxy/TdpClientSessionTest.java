package org.templar.client.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
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
import org.templar.pool.sv2.codec.U256;
import org.templar.pool.sv2.session.Sv2Output;
import org.templar.pool.sv2.tdp.ProvidedTemplate;
import org.templar.share.Hex;

/**
 * The proxy's Template Distribution client session against scripted provider messages; the
 * provider's messages are made by the provider's own {@link ProvidedTemplate} from a node template of
 * real (hand-serialized) transactions.
 */
class TdpClientSessionTest {
    static final class Recorder implements Sv2Output {
        final List<Sv2Message> sent = new ArrayList<>();
        String closedWith;

        @Override
        public void send(Sv2Message message) {
            sent.add(message);
        }

        @Override
        public void close(String reason) {
            closedWith = reason;
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        <T> T last(Class<T> type) {
            assertFalse(sent.isEmpty(), "nothing sent");
            return assertInstanceOf(type, sent.get(sent.size() - 1));
        }
    }

    final Recorder out = new Recorder();
    final List<BlockTemplate> templates = new ArrayList<>();
    final List<String> refused = new ArrayList<>();
    final TdpClientSession session = new TdpClientSession(out, new TdpClientSession.Listener() {
        @Override
        public void onTemplate(BlockTemplate template) {
            templates.add(template);
        }

        @Override
        public void onRefused(long templateId, String reason) {
            refused.add(templateId + ": " + reason);
        }
    }, 31, 0);

    /** version 1, one input spending {@code seed}:0 with scriptSig OP_TRUE, one OP_RETURN output, locktime 0. */
    static byte[] tx(int seed) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(new byte[] {1, 0, 0, 0, 1});
        byte[] prev = new byte[32];
        prev[0] = (byte) seed;
        o.writeBytes(prev);
        o.writeBytes(new byte[] {0, 0, 0, 0, 1, 0x51, -1, -1, -1, -1, 1});
        o.writeBytes(new byte[] {(byte) 0xe8, 3, 0, 0, 0, 0, 0, 0, 3, 0x6a, 1, (byte) seed});
        o.writeBytes(new byte[4]);
        return o.toByteArray();
    }

    static BlockTemplate.Tx templateTx(int seed, long fee) {
        byte[] data = tx(seed);
        byte[] txid = org.templar.share.Sha256.hashTwice(data);
        return new BlockTemplate.Tx(data, txid, txid, fee, 4 * data.length);
    }

    static BlockTemplate nodeTemplate(int height, byte prevSeed, List<BlockTemplate.Tx> txs) {
        byte[] prev = new byte[32];
        prev[31] = prevSeed;
        return new BlockTemplate(0x20000000, prev, txs, 5_000_000_000L + txs.stream().mapToLong(BlockTemplate.Tx::fee).sum(),
                0x207fffff, height, 1_700_000_000L, 1_699_999_000L,
                Optional.of(TdpTemplateAssembler.witnessCommitmentScript(txs)), "");
    }

    static RequestTransactionDataSuccess data(ProvidedTemplate t) {
        return new RequestTransactionDataSuccess(t.templateId(), Bytes.of(new byte[32]),
                t.transactions().stream().map(x -> Bytes.of(x.data())).toList());
    }

    private void setUp() {
        CompletableFuture<Void> ready = session.start("127.0.0.1", 8442);
        Sv2Common.SetupConnection s = out.last(Sv2Common.SetupConnection.class);
        assertEquals(Sv2Common.SetupConnection.PROTOCOL_TEMPLATE_DISTRIBUTION, s.protocol());
        assertEquals(2, s.minVersion());
        assertFalse(ready.isDone());
        session.onMessage(new Sv2Common.SetupConnectionSuccess(2, 0));
        assertEquals(new CoinbaseOutputConstraints(31, 0), out.last(CoinbaseOutputConstraints.class));
        assertTrue(ready.isDone() && !ready.isCompletedExceptionally());
    }

    @Test
    void aFutureTemplateActivatedBySetNewPrevHashBecomesTheBlockTemplateTheProxyMines() {
        setUp();
        List<BlockTemplate.Tx> txs = List.of(templateTx(1, 700), templateTx(2, 300), templateTx(3, 0));
        BlockTemplate node = nodeTemplate(500, (byte) 9, txs);
        ProvidedTemplate p = ProvidedTemplate.of(41, node, 31);
        session.onMessage(p.newTemplate(true));
        assertInstanceOf(CoinbaseOutputConstraints.class, out.sent.get(out.sent.size() - 1), "nothing asked yet");
        session.onMessage(p.setNewPrevHash());
        assertEquals(new RequestTransactionData(41), out.last(RequestTransactionData.class));
        session.onMessage(data(p));

        assertEquals(1, templates.size(), refused.toString());
        BlockTemplate bt = templates.get(0);
        assertEquals(500, bt.height(), "height from the BIP34 push in coinbase_prefix");
        assertEquals(5_000_001_000L, bt.coinbaseValue(), "coinbase_tx_value_remaining");
        assertArrayEquals(node.previousBlockHash(), bt.previousBlockHash());
        assertEquals(0x207fffff, bt.bits());
        assertEquals(0x20000000, bt.version());
        assertEquals(1_700_000_000L, bt.curTime(), "the header timestamp of SetNewPrevHash");
        assertEquals(3, bt.transactions().size());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(txs.get(i).txid(), bt.transactions().get(i).txid());
            assertArrayEquals(txs.get(i).data(), bt.transactions().get(i).data());
        }
        assertArrayEquals(node.defaultWitnessCommitment().get(), bt.defaultWitnessCommitment().orElseThrow(),
                "the provider's required output becomes the witness commitment, last in the coinbase");
        assertEquals(Optional.of(41L), TdpTemplateAssembler.templateId(bt));

        session.submitSolution(41, 0x20000000, 1_700_000_001, 77, new byte[] {1, 2, 3});
        assertEquals(new SubmitSolution(41, 0x20000000, 1_700_000_001, 77, Bytes.of(new byte[] {1, 2, 3})),
                out.last(SubmitSolution.class));
    }

    @Test
    void fresherTemplatesOnTheSameTipAreFetchedAndLateDataForAnOlderOneIsDropped() {
        setUp();
        BlockTemplate first = nodeTemplate(200, (byte) 1, List.of(templateTx(1, 10)));
        ProvidedTemplate a = ProvidedTemplate.of(1, first, 31);
        session.onMessage(a.newTemplate(true));
        session.onMessage(a.setNewPrevHash());
        BlockTemplate fresher = nodeTemplate(200, (byte) 1, List.of(templateTx(1, 10), templateTx(2, 20)));
        ProvidedTemplate b = ProvidedTemplate.of(2, fresher, 31);
        session.onMessage(b.newTemplate(false));
        assertEquals(new RequestTransactionData(2), out.last(RequestTransactionData.class));
        session.onMessage(data(a)); // late answer for the older template
        assertTrue(templates.isEmpty(), "the older template is not handed on after a newer one was asked for");
        session.onMessage(data(b));
        assertEquals(1, templates.size());
        assertEquals(2, templates.get(0).transactions().size());
        assertEquals(5_000_000_030L, templates.get(0).coinbaseValue());

        session.onMessage(new RequestTransactionDataError(2, Str0255.of("stale-template-id")));
        assertEquals(List.of("2: stale-template-id"), refused);
        assertEquals(null, out.closedWith, "an error for one template does not end the connection");
    }

    @Test
    void aTemplateWhoseTransactionsDoNotMatchItsMerklePathIsRefused() {
        setUp();
        ProvidedTemplate p = ProvidedTemplate.of(7, nodeTemplate(300, (byte) 2,
                List.of(templateTx(1, 10), templateTx(2, 20))), 31);
        session.onMessage(p.newTemplate(true));
        session.onMessage(p.setNewPrevHash());
        List<Bytes> swapped = List.of(Bytes.of(tx(2)), Bytes.of(tx(1)));
        session.onMessage(new RequestTransactionDataSuccess(7, Bytes.of(new byte[32]), swapped));
        assertTrue(templates.isEmpty());
        assertEquals(1, refused.size());
        assertTrue(refused.get(0).contains("merkle_path"), refused.get(0));
        session.onMessage(new RequestTransactionDataSuccess(7, Bytes.of(new byte[32]), List.of(Bytes.of(tx(1)))));
        assertTrue(templates.isEmpty(), "a missing transaction too");
        // right transactions, but a witness commitment to something else
        NewTemplate nt = p.newTemplate(true);
        byte[] outs = nt.coinbaseTxOutputs().toArray();
        outs[outs.length - 1] ^= 1;
        NewTemplate tampered = new NewTemplate(8, true, nt.version(), nt.coinbaseTxVersion(), nt.coinbasePrefix(),
                nt.coinbaseTxInputSequence(), nt.coinbaseTxValueRemaining(), nt.coinbaseTxOutputsCount(), Bytes.of(outs),
                nt.coinbaseTxLocktime(), nt.merklePath());
        session.onMessage(tampered);
        SetNewPrevHash sp = p.setNewPrevHash();
        session.onMessage(new SetNewPrevHash(8, sp.prevHash(), sp.headerTimestamp(), sp.nBits(), sp.target()));
        session.onMessage(new RequestTransactionDataSuccess(8, Bytes.of(new byte[32]),
                List.of(Bytes.of(tx(1)), Bytes.of(tx(2)))));
        assertTrue(templates.isEmpty());
        assertTrue(refused.get(refused.size() - 1).contains("witness commitment"), refused.toString());
    }

    @Test
    void coinbasesTheProxyCannotBuildExactlyAreRefused() {
        setUp();
        ProvidedTemplate p = ProvidedTemplate.of(5, nodeTemplate(300, (byte) 2, List.of()), 31);
        NewTemplate nt = p.newTemplate(true);
        // a locktime the proxy's coinbase does not carry
        session.onMessage(new NewTemplate(5, true, nt.version(), nt.coinbaseTxVersion(), nt.coinbasePrefix(),
                nt.coinbaseTxInputSequence(), nt.coinbaseTxValueRemaining(), nt.coinbaseTxOutputsCount(),
                nt.coinbaseTxOutputs(), 99, nt.merklePath()));
        session.onMessage(p.setNewPrevHash());
        session.onMessage(data(p));
        assertTrue(templates.isEmpty());
        assertTrue(refused.get(0).contains("locktime"), refused.toString());
        // a required output other than the witness commitment
        byte[] payout = Hex.decode("e803000000000000" + "16" + "0014" + "11".repeat(20));
        session.onMessage(new NewTemplate(6, true, nt.version(), 2, nt.coinbasePrefix(), 0xFFFF_FFFFL,
                nt.coinbaseTxValueRemaining(), 1, Bytes.of(payout), 0, List.of()));
        SetNewPrevHash sp = p.setNewPrevHash();
        session.onMessage(new SetNewPrevHash(6, sp.prevHash(), sp.headerTimestamp(), sp.nBits(), sp.target()));
        session.onMessage(new RequestTransactionDataSuccess(6, Bytes.of(new byte[32]), List.of()));
        assertTrue(templates.isEmpty());
        assertTrue(refused.get(1).contains("witness commitment"), refused.toString());
    }

    @Test
    void protocolViolationsAndRefusalsEndTheSession() throws Exception {
        setUp();
        session.onMessage(new SetNewPrevHash(99, U256.ZERO, 1, 0x207fffff, U256.ZERO));
        assertTrue(out.closedWith != null && out.closedWith.contains("99"), String.valueOf(out.closedWith));
        assertFalse(session.isReady());
        assertThrows(IllegalStateException.class, () -> session.submitSolution(1, 1, 1, 1, new byte[1]));

        Recorder out2 = new Recorder();
        TdpClientSession refusedSession = new TdpClientSession(out2, t -> { }, 31, 0);
        CompletableFuture<Void> ready = refusedSession.start("h", 1);
        refusedSession.onMessage(new Sv2Common.SetupConnectionError(0, Str0255.of("unsupported-protocol")));
        ExecutionException e = assertThrows(ExecutionException.class, ready::get);
        assertInstanceOf(TdpClientSession.SetupRefused.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("unsupported-protocol"));
        assertEquals(1, out2.sent.size(), "no constraints after a refusal");
    }
}
