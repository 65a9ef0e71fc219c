package org.templar.client.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.pool.core.Authorizer;
import org.templar.payout.coinbase.TxOut;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2JobDeclaration;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2MessageCodec;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.regtest.RegtestNode;
import org.templar.regtest.RegtestWallet;
import org.templar.share.BlockHeader;
import org.templar.share.Hex;
import org.templar.share.Sha256;
import org.templar.share.Target;

/**
 * The miner side of Job Declaration without a network: the declared coinbase against the embedded
 * node (the oracle), and the JD client and upstream mining state machines against scripted peers. Every
 * message crosses the real codec (encoded to wire bytes and decoded) in both directions.
 */
@Timeout(60)
class ProxyJobDeclarationTest {
    private static final long SEC = 1_000_000_000L;

    /** A scripted peer: what the session sent, decoded from its wire bytes. */
    static final class Peer implements JdClientSession.Output, UpstreamMiningSession.Output {
        final List<Sv2Message> sent = new ArrayList<>();

        @Override
        public void send(Sv2Message message) {
            sent.add(Sv2MessageCodec.fromWire(Sv2MessageCodec.toWire(message)));
        }

        <T> T last(Class<T> type) {
            for (int i = sent.size() - 1; i >= 0; i--) {
                if (type.isInstance(sent.get(i))) {
                    return type.cast(sent.get(i));
                }
            }
            throw new AssertionError("no " + type.getSimpleName() + " sent; sent " + sent);
        }
    }

    /** A message from the peer, through the codec. */
    static Sv2Message wire(Sv2Message m) {
        return Sv2MessageCodec.fromWire(Sv2MessageCodec.toWire(m));
    }

    static final class JdEvents implements JdClientSession.Listener {
        List<TxOut> outputs;
        byte[] newToken;
        String failure;
        int failures;

        @Override
        public void tokenReady(List<TxOut> poolOutputs) {
            outputs = poolOutputs;
        }

        @Override
        public void declared(JdClientSession.Declaration d, byte[] token) {
            newToken = token;
        }

        @Override
        public void failed(String reason) {
            failure = reason;
            failures++;
        }
    }

    static byte[] poolScript() {
        return Authorizer.planFor(BitcoinNetwork.REGTEST, ProxySoloTest.newAddress()).script();
    }

    static List<TxOut> poolOutputs(byte[] poolScript) {
        return List.of(new TxOut(0, poolScript), new TxOut(0, Hex.decode("6a04cafe0001")));
    }

    static BlockTemplate templateWithOneTx(RegtestNode node) throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        node.generateToAddress(101, wallet.address());
        ProxySoloTest.rpc(node, "sendrawtransaction",
                wallet.payFromMatureCoinbase(node.chain(), ProxySoloTest.newAddress(), 100_000_000L, 15_000));
        JsonNode gbt = ProxySoloTest.rpc(node, "getblocktemplate", Map.of("rules", List.of("segwit")));
        BlockTemplate t = BlockTemplate.fromJson(gbt);
        assertEquals(1, t.transactions().size());
        return t;
    }

    @Test
    void theDeclaredCoinbasePaysThePoolOutputTheRevenueAndMakesABlockTheNodeAccepts() throws Exception {
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            BlockTemplate t = templateWithOneTx(node);
            byte[] poolScript = poolScript();
            byte[] tokenOutputs = CustomJobCoinbase.serializeOutputs(poolOutputs(poolScript));
            List<TxOut> parsed = CustomJobCoinbase.parseOutputs(tokenOutputs);
            CustomJobCoinbase cb = CustomJobCoinbase.build(t, parsed, 12);
            assertEquals(t.coinbaseValue(), cb.outputs().get(0).valueSats(), "the pool payout output gets the revenue");
            assertArrayEquals(poolScript, cb.outputs().get(0).script());
            assertEquals(3, cb.outputs().size(), "pool outputs, then the witness commitment");
            assertTrue(cb.heightPush().length <= 8);

            // as the pool rebuilds it: prefix + extranonce prefix (4, from the channel) + rolled bytes (8) + suffix
            byte[] extranonce = Hex.decode("0a0b0c0d" + "0102030405060708");
            byte[] stripped = concat(cb.strippedPrefix(), extranonce, cb.strippedSuffix());
            byte[] full = concat(cb.declarePrefix(), extranonce, cb.declareSuffix());
            byte[] merkleRoot = org.templar.share.MerkleBranch.of(cb.merklePath()).rootFrom(Sha256.hashTwice(stripped));
            Target network = Target.fromCompact(t.bits());
            byte[] header = null;
            for (int nonce = 0; nonce < 1_000_000; nonce++) {
                header = BlockHeader.serialize(t.version(), t.previousBlockHash(), merkleRoot, (int) t.curTime(), t.bits(), nonce);
                if (network.isMetBy(Sha256.hashTwice(header))) {
                    break;
                }
            }
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(header);
            block.write(2);
            block.writeBytes(full);
            block.writeBytes(t.transactions().get(0).data());
            String answer = ProxySoloTest.rpc(node, "submitblock", Hex.encode(block.toByteArray())).asText(null);
            assertNull(answer, "the node accepts the block (submitblock answers null), got " + answer);
            assertEquals(102, node.chain().height());
            var coinbase = node.chain().coinbaseAt(102).orElseThrow();
            assertEquals(t.coinbaseValue(), coinbase.getOutput(0).getValue().value);
            assertArrayEquals(poolScript, coinbase.getOutput(0).getScriptBytes());
        }
        assertThrows(IllegalArgumentException.class, () -> CustomJobCoinbase.parseOutputs(Hex.decode("01ffff")));
        assertThrows(IllegalArgumentException.class,
                () -> CustomJobCoinbase.parseOutputs(concat(CustomJobCoinbase.serializeOutputs(poolOutputs(poolScript())), new byte[] {0})));
    }

    @Test
    void jdClientDeclaresAFullTemplateAnswersMissingTransactionsAndGetsTheNewToken() throws Exception {
        BlockTemplate t;
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            t = templateWithOneTx(node);
        }
        Peer jds = new Peer();
        JdEvents ev = new JdEvents();
        JdClientSession s = new JdClientSession(jds, ev, "miner1", Duration.ofSeconds(5));
        s.start(0);
        var setup = jds.last(Sv2Common.SetupConnection.class);
        assertEquals(Sv2Common.SetupConnection.PROTOCOL_JOB_DECLARATION, setup.protocol());
        assertEquals(Sv2Common.SetupConnection.DECLARE_TX_DATA, setup.flags() & Sv2Common.SetupConnection.DECLARE_TX_DATA,
                "Full-Template mode");
        assertNull(s.declare(CustomJobCoinbase.build(t, poolOutputs(poolScript()), 12), 0), "no token yet: nothing declared");
        s.onMessage(wire(new Sv2Common.SetupConnectionSuccess(2, 0)), SEC);
        var alloc = jds.last(Sv2JobDeclaration.AllocateMiningJobToken.class);
        assertEquals("miner1", alloc.userIdentifier().text());
        byte[] poolScript = poolScript();
        s.onMessage(wire(new Sv2JobDeclaration.AllocateMiningJobTokenSuccess(alloc.requestId(), Bytes.of(1, 2, 3),
                Bytes.of(CustomJobCoinbase.serializeOutputs(poolOutputs(poolScript))))), SEC);
        assertEquals(2, ev.outputs.size());
        assertArrayEquals(poolScript, ev.outputs.get(0).script());

        CustomJobCoinbase cb = CustomJobCoinbase.build(t, ev.outputs, 12);
        var d = s.declare(cb, 2 * SEC);
        var declare = jds.last(Sv2JobDeclaration.DeclareMiningJob.class);
        assertEquals(Bytes.of(1, 2, 3), declare.miningJobToken());
        assertEquals(1, declare.wtxidList().size());
        assertArrayEquals(t.transactions().get(0).wtxid(), declare.wtxidList().get(0).toArray());
        assertArrayEquals(cb.declarePrefix(), declare.coinbaseTxPrefix().toArray());
        assertArrayEquals(cb.declareSuffix(), declare.coinbaseTxSuffix().toArray());
        assertFalse(s.hasToken(), "a token is used once; the next one is requested at once");
        var nextAlloc = jds.last(Sv2JobDeclaration.AllocateMiningJobToken.class);
        assertTrue(nextAlloc.requestId() != alloc.requestId());

        s.onMessage(wire(new Sv2JobDeclaration.ProvideMissingTransactions(d.requestId(), List.of(0))), 2 * SEC);
        var provided = jds.last(Sv2JobDeclaration.ProvideMissingTransactionsSuccess.class);
        assertEquals(d.requestId(), provided.requestId());
        assertArrayEquals(t.transactions().get(0).data(), provided.transactionList().get(0).toArray());

        s.onMessage(wire(new Sv2JobDeclaration.DeclareMiningJobSuccess(d.requestId(), Bytes.of(9, 9))), 3 * SEC);
        assertArrayEquals(new byte[] {9, 9}, ev.newToken);
        assertEquals(d.requestId(), s.lastAccepted().requestId());

        s.pushSolution(new byte[12], t.previousBlockHash(), 7, t.curTime(), t.bits() & 0xffffffffL, t.version());
        var push = jds.last(Sv2JobDeclaration.PushSolution.class);
        assertEquals(7, push.nonce());
        assertArrayEquals(t.previousBlockHash(), push.prevHash().toArray());
        assertNull(ev.failure);

        // Two declarations in flight (a new block came between them); the JDS refuses the older one,
        // whose template the proxy has already replaced: counted, the pool is kept.
        s.onMessage(wire(new Sv2JobDeclaration.AllocateMiningJobTokenSuccess(nextAlloc.requestId(), Bytes.of(4),
                Bytes.of(CustomJobCoinbase.serializeOutputs(poolOutputs(poolScript))))), 4 * SEC);
        var older = s.declare(cb, 4 * SEC);
        var thirdAlloc = jds.last(Sv2JobDeclaration.AllocateMiningJobToken.class);
        s.onMessage(wire(new Sv2JobDeclaration.AllocateMiningJobTokenSuccess(thirdAlloc.requestId(), Bytes.of(5),
                Bytes.of(CustomJobCoinbase.serializeOutputs(poolOutputs(poolScript))))), 4 * SEC);
        var d2 = s.declare(cb, 4 * SEC);
        s.onMessage(wire(new Sv2JobDeclaration.DeclareMiningJobError(older.requestId(),
                Str0255.of("invalid-job-param-value-coinbase_tx_prefix"), Bytes.EMPTY)), 5 * SEC);
        assertNull(ev.failure, "a refusal of a replaced declaration keeps the pool");
        assertEquals(1, s.supersededRefusals());
        assertTrue(s.isReady());

        // the newest declaration is refused: the pool is given up, once
        s.onMessage(wire(new Sv2JobDeclaration.DeclareMiningJobError(d2.requestId(), Str0255.of("invalid-mining-job-token"),
                Bytes.EMPTY)), 5 * SEC);
        assertTrue(ev.failure.contains("invalid-mining-job-token"), ev.failure);
        s.onClosed();
        assertEquals(1, ev.failures);
        assertTrue(s.isFailed());
    }

    @Test
    void jdClientGivesUpOnSilenceAndOnMalformedAnswers() {
        JdEvents silent = new JdEvents();
        JdClientSession a = new JdClientSession(new Peer(), silent, "m", Duration.ofSeconds(5));
        a.start(0);
        a.tick(4 * SEC);
        assertNull(silent.failure, "still within the timeout");
        a.tick(6 * SEC);
        assertTrue(silent.failure.contains("SetupConnection"), silent.failure);

        Peer jds = new Peer();
        JdEvents noToken = new JdEvents();
        JdClientSession b = new JdClientSession(jds, noToken, "m", Duration.ofSeconds(5));
        b.start(0);
        b.onMessage(wire(new Sv2Common.SetupConnectionSuccess(2, 0)), 0);
        b.tick(6 * SEC);
        assertTrue(noToken.failure.contains("AllocateMiningJobToken"), noToken.failure);

        Peer jds2 = new Peer();
        JdEvents bad = new JdEvents();
        JdClientSession c = new JdClientSession(jds2, bad, "m", Duration.ofSeconds(5));
        c.start(0);
        c.onMessage(wire(new Sv2Common.SetupConnectionSuccess(2, 0)), 0);
        var alloc = jds2.last(Sv2JobDeclaration.AllocateMiningJobToken.class);
        c.onMessage(wire(new Sv2JobDeclaration.AllocateMiningJobTokenSuccess(alloc.requestId(), Bytes.of(1), Bytes.of(0x02, 0x00))),
                0);
        assertTrue(bad.failure.contains("coinbase_tx_outputs"), bad.failure);

        JdEvents refused = new JdEvents();
        JdClientSession d = new JdClientSession(new Peer(), refused, "m", Duration.ofSeconds(5));
        d.start(0);
        d.onMessage(wire(new Sv2Common.SetupConnectionError(1, Str0255.of("unsupported-feature-flags"))), 0);
        assertTrue(refused.failure.contains("unsupported-feature-flags"), refused.failure);
    }

    static final class UpEvents implements UpstreamMiningSession.Listener {
        byte[] prefix;
        int size;
        long acceptedLocal = -1;
        long acceptedPool = -1;
        String failure;
        final List<Long> answered = new ArrayList<>();

        @Override
        public void shareAnswered(long nanos) {
            answered.add(nanos);
        }

        @Override
        public void channelOpened(long channelId, byte[] extranoncePrefix, int extranonceSize, Target target) {
            prefix = extranoncePrefix;
            size = extranonceSize;
        }

        @Override
        public void jobAccepted(long localJobId, long poolJobId) {
            acceptedLocal = localJobId;
            acceptedPool = poolJobId;
        }

        @Override
        public void failed(String reason) {
            failure = reason;
        }
    }

    private static UpstreamMiningSession openChannel(Peer pool, UpEvents ev) {
        UpstreamMiningSession s = new UpstreamMiningSession(pool, ev, "miner1", 8, Duration.ofSeconds(5));
        s.start(0);
        var setup = pool.last(Sv2Common.SetupConnection.class);
        assertEquals(Sv2Common.SetupConnection.PROTOCOL_MINING, setup.protocol());
        assertTrue((setup.flags() & Sv2Common.SetupConnection.REQUIRES_WORK_SELECTION) != 0);
        s.onMessage(wire(new Sv2Common.SetupConnectionSuccess(2, 0)), 0);
        var open = pool.last(Sv2Mining.OpenExtendedMiningChannel.class);
        assertEquals(8, open.minExtranonceSize());
        s.onMessage(wire(new Sv2Mining.OpenExtendedMiningChannelSuccess(open.requestId(), 42,
                U256.of(Target.DIFFICULTY_1.toLittleEndian()), 8, Bytes.of(0xa, 0xb, 0xc, 0xd), 0)), 0);
        assertTrue(s.isOpen());
        return s;
    }

    @Test
    void upstreamAnnouncesTheCustomJobMinesOptimisticallyAndGivesUpOnARejectedShare() throws Exception {
        BlockTemplate t;
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            t = templateWithOneTx(node);
        }
        Peer pool = new Peer();
        UpEvents ev = new UpEvents();
        UpstreamMiningSession s = openChannel(pool, ev);
        assertArrayEquals(new byte[] {0xa, 0xb, 0xc, 0xd}, ev.prefix);
        // what a pool also sends on a work-selecting connection is not a reason to leave it
        s.onMessage(wire(new Sv2Mining.SetGroupChannel(1, List.of(42L))), 0);
        s.onMessage(wire(new Sv2Mining.SetTarget(42, U256.of(Target.DIFFICULTY_1.toLittleEndian()))), 0);
        assertNull(ev.failure);
        assertEquals(8, ev.size);
        CustomJobCoinbase cb = CustomJobCoinbase.build(t, poolOutputs(poolScript()), 12);
        long req = s.setCustomJob(7, new byte[] {9, 9}, cb, SEC);
        var job = pool.last(Sv2Mining.SetCustomMiningJob.class);
        assertEquals(42, job.channelId());
        assertEquals(Bytes.of(9, 9), job.miningJobToken());
        assertArrayEquals(t.previousBlockHash(), job.prevHash().toArray());
        assertArrayEquals(cb.serializedOutputs(), job.coinbaseTxOutputs().toArray());
        assertArrayEquals(cb.heightPush(), job.coinbasePrefix().toArray());
        assertEquals(1, job.merklePath().size());
        assertArrayEquals(t.transactions().get(0).txid(), job.merklePath().get(0).toArray());

        // optimistic: shares before the acknowledgement are kept, then sent with the pool's job id
        s.submit(new UpstreamMiningSession.Share(7, 1, t.curTime(), t.version(), new byte[8], SEC / 2));
        s.submit(new UpstreamMiningSession.Share(7, 2, t.curTime(), t.version(), new byte[8], SEC));
        assertEquals(0, pool.sent.stream().filter(m -> m instanceof Sv2Mining.SubmitSharesExtended).count());
        s.onMessage(wire(new Sv2Mining.SetCustomMiningJobSuccess(42, req, 1234)), 2 * SEC);
        assertEquals(7, ev.acceptedLocal);
        assertEquals(1234, ev.acceptedPool);
        List<Sv2Mining.SubmitSharesExtended> shares = new ArrayList<>();
        pool.sent.forEach(m -> {
            if (m instanceof Sv2Mining.SubmitSharesExtended x) {
                shares.add(x);
            }
        });
        assertEquals(2, shares.size());
        assertEquals(1234, shares.get(0).jobId());
        assertEquals(2, shares.get(1).nonce());
        s.onMessage(wire(new Sv2Mining.SubmitSharesSuccess(42, 1, 2, 2)), 2 * SEC);
        assertEquals(2, s.acceptedShares());
        // one Success answers both: each share's time from the proxy accepting it to the pool's answer
        assertEquals(List.of(2 * SEC - SEC / 2, SEC), ev.answered);
        s.onMessage(wire(new Sv2Mining.SubmitSharesError(42, shares.get(0).sequenceNumber(), Str0255.of("stale-share"))), 2 * SEC);
        assertNull(ev.failure, "a stale share after a new block is not the pool's fault");
        s.onMessage(wire(new Sv2Mining.SubmitSharesError(42, shares.get(1).sequenceNumber(), Str0255.of("invalid-job-id"))),
                3 * SEC);
        assertTrue(ev.failure.contains("acknowledged job 1234") && ev.failure.contains("invalid-job-id"), ev.failure);
    }

    @Test
    void upstreamGivesUpWhenTheCustomJobIsRefusedOrUnanswered() throws Exception {
        BlockTemplate t;
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            t = templateWithOneTx(node);
        }
        CustomJobCoinbase cb = CustomJobCoinbase.build(t, poolOutputs(poolScript()), 12);
        Peer pool = new Peer();
        UpEvents refused = new UpEvents();
        UpstreamMiningSession a = openChannel(pool, refused);
        long req = a.setCustomJob(1, new byte[] {1}, cb, 0);
        a.onMessage(wire(new Sv2Mining.SetCustomMiningJobError(42, req, Str0255.of("invalid-mining-job-token"))), 0);
        assertTrue(refused.failure.contains("invalid-mining-job-token"), refused.failure);

        UpEvents silent = new UpEvents();
        UpstreamMiningSession b = openChannel(new Peer(), silent);
        b.setCustomJob(1, new byte[] {1}, cb, 0);
        b.tick(4 * SEC);
        assertNull(silent.failure);
        b.tick(6 * SEC);
        assertTrue(silent.failure.contains("SetCustomMiningJob"), silent.failure);

        UpEvents small = new UpEvents();
        Peer p = new Peer();
        UpstreamMiningSession c = new UpstreamMiningSession(p, small, "m", 8, Duration.ofSeconds(5));
        c.start(0);
        c.onMessage(wire(new Sv2Common.SetupConnectionSuccess(2, 0)), 0);
        var open = p.last(Sv2Mining.OpenExtendedMiningChannel.class);
        c.onMessage(wire(new Sv2Mining.OpenExtendedMiningChannelSuccess(open.requestId(), 1,
                U256.of(Target.DIFFICULTY_1.toLittleEndian()), 4, Bytes.EMPTY, 0)), 0);
        assertTrue(small.failure.contains("extranonce"), small.failure);
        assertInstanceOf(Sv2Common.SetupConnection.class, p.sent.get(0));
    }

    @Test
    void coinbaseOnlySessionSetsUpWithoutTxDataHandsOutTokensAndNamesARefusalOfTheMode() {
        Peer jds = new Peer();
        JdEvents ev = new JdEvents();
        JdClientSession s = new JdClientSession(jds, ev, "m", Duration.ofSeconds(5), false);
        s.start(0);
        assertEquals(0, jds.last(Sv2Common.SetupConnection.class).flags() & Sv2Common.SetupConnection.DECLARE_TX_DATA,
                "Coinbase-only: no DECLARE_TX_DATA");
        assertNull(s.takeToken(0), "nothing before the setup");
        s.onMessage(wire(new Sv2Common.SetupConnectionSuccess(2, 0)), 0);
        var alloc = jds.last(Sv2JobDeclaration.AllocateMiningJobToken.class);
        s.onMessage(wire(new Sv2JobDeclaration.AllocateMiningJobTokenSuccess(alloc.requestId(), Bytes.of(7),
                Bytes.of(CustomJobCoinbase.serializeOutputs(poolOutputs(poolScript()))))), 0);
        assertEquals(2, ev.outputs.size());
        int requests = jds.sent.size();
        assertArrayEquals(new byte[] {7}, s.takeToken(SEC));
        assertArrayEquals(new byte[] {7}, s.takeToken(2 * SEC), "one token serves every job");
        assertEquals(requests, jds.sent.size(), "no token request per job: the pool's allowance counts them");
        assertArrayEquals(new byte[] {7}, s.takeToken(31 * SEC), "renewed after 30 s; the old one serves meanwhile");
        var next = jds.last(Sv2JobDeclaration.AllocateMiningJobToken.class);
        assertTrue(next.requestId() != alloc.requestId(), "a new token is asked for");
        assertArrayEquals(new byte[] {7}, s.takeToken(32 * SEC));
        assertEquals(requests + 1, jds.sent.size(), "asked once");
        s.onMessage(wire(new Sv2JobDeclaration.AllocateMiningJobTokenSuccess(next.requestId(), Bytes.of(8),
                Bytes.of(CustomJobCoinbase.serializeOutputs(poolOutputs(poolScript()))))), 33 * SEC);
        assertArrayEquals(new byte[] {8}, s.takeToken(34 * SEC));
        int sent = jds.sent.size();
        s.pushSolution(new byte[8], new byte[32], 1, 2, 3, 4);
        assertEquals(sent, jds.sent.size(), "no PushSolution: the JDS has no transactions to build the block");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> s.declare(null, 0));
        // ProvideMissingTransactions has no place in this mode
        s.onMessage(wire(new Sv2JobDeclaration.ProvideMissingTransactions(1, List.of(0))), 2 * SEC);
        assertTrue(ev.failure.contains("ProvideMissingTransactions"), ev.failure);

        JdEvents refused = new JdEvents();
        JdClientSession r = new JdClientSession(new Peer(), refused, "m", Duration.ofSeconds(5), false);
        r.start(0);
        r.onMessage(wire(new Sv2Common.SetupConnectionError(Sv2Common.SetupConnection.DECLARE_TX_DATA,
                Str0255.of("unsupported-feature-flags"))), 0);
        assertTrue(refused.failure.contains("refuses Coinbase-only mode") && refused.failure.contains("unsupported-feature-flags")
                && refused.failure.contains("DECLARE_TX_DATA"), refused.failure);
        assertEquals(1, refused.failures);
    }

    @Test
    void aJobOnATipThePoolsNodeHasNotReachedIsSentAgainUntilTakenOrTheTimeout() throws Exception {
        BlockTemplate t;
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            t = templateWithOneTx(node);
        }
        CustomJobCoinbase cb = CustomJobCoinbase.build(t, poolOutputs(poolScript()), 12);
        Peer pool = new Peer();
        UpEvents ev = new UpEvents();
        UpstreamMiningSession s = openChannel(pool, ev);
        long first = s.setCustomJob(3, new byte[] {1}, cb, 0);
        s.submit(new UpstreamMiningSession.Share(3, 1, t.curTime(), t.version(), new byte[8], 0));
        s.onMessage(wire(new Sv2Mining.SetCustomMiningJobError(42, first, Str0255.of("invalid-job-param-value-prev_hash"))),
                SEC / 10);
        assertNull(ev.failure, "the pool's node may be behind the miner's");
        s.tick(SEC / 10 + SEC / 20);
        assertEquals(first, pool.last(Sv2Mining.SetCustomMiningJob.class).requestId(), "not before the retry interval");
        s.tick(SEC / 2);
        var again = pool.last(Sv2Mining.SetCustomMiningJob.class);
        assertTrue(again.requestId() != first);
        assertEquals(Bytes.of(1), again.miningJobToken());
        s.onMessage(wire(new Sv2Mining.SetCustomMiningJobSuccess(42, again.requestId(), 77)), SEC);
        assertEquals(3, ev.acceptedLocal);
        assertEquals(77, pool.last(Sv2Mining.SubmitSharesExtended.class).jobId(), "the share kept meanwhile goes up");

        // a pool whose node never gets there: given up once the timeout has passed since the first send
        UpEvents behind = new UpEvents();
        Peer p2 = new Peer();
        UpstreamMiningSession b = openChannel(p2, behind);
        b.setCustomJob(4, new byte[] {1}, cb, 0);
        long answered = -1;
        long now = SEC / 10;
        int sends = 0;
        for (; now < 7 * SEC && behind.failure == null; now += SEC / 10) {
            var last = p2.last(Sv2Mining.SetCustomMiningJob.class);
            if (last.requestId() != answered) {
                answered = last.requestId();
                sends++;
                b.onMessage(wire(new Sv2Mining.SetCustomMiningJobError(42, last.requestId(),
                        Str0255.of("invalid-job-param-value-prev_hash"))), now);
            }
            b.tick(now);
        }
        assertTrue(behind.failure != null && behind.failure.contains("prev_hash"), String.valueOf(behind.failure));
        assertTrue(now > 5 * SEC && sends > 10, "given up after the timeout (" + now + " ns, " + sends + " sends)");

        // any other refusal is final at once
        UpEvents other = new UpEvents();
        Peer p3 = new Peer();
        UpstreamMiningSession c = openChannel(p3, other);
        long r3 = c.setCustomJob(5, new byte[] {1}, cb, 0);
        c.onMessage(wire(new Sv2Mining.SetCustomMiningJobError(42, r3, Str0255.of("invalid-job-param-value-nbits"))), 0);
        assertTrue(other.failure.contains("nbits"), other.failure);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }
}
