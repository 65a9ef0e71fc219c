package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2JobDeclaration;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.pool.sv2.jds.JdClient;
import org.templar.pool.sv2.jds.JdClientSession.DeclareOutcome;
import org.templar.pool.sv2.jds.JdsSession;
import org.templar.regtest.RegtestWallet;
import org.templar.share.Hex;

/**
 * Job Declaration clients that misbehave, against the real pool over loopback: a raw Noise client
 * ({@link Sv2TestClient}) sends what an honest JDC never would, and an honest {@link JdClient} beside it
 * must keep getting its declarations answered.
 */
@Timeout(240)
class JdsHostileClientTest {
    private EventLoopGroup group;

    @BeforeEach
    void group() {
        group = new NioEventLoopGroup(1);
    }

    @AfterEach
    void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A raw JDS connection in Full-Template mode. */
    static Sv2TestClient rawJdc(PoolHarness pool) throws Exception {
        Sv2TestClient c = new Sv2TestClient(pool.pool().jdsAddress(), pool.pool().authority().orElseThrow().publicKey());
        c.send(Sv2TestClient.setup(Sv2Common.SetupConnection.PROTOCOL_JOB_DECLARATION, 2, 2, JdsSession.DECLARE_TX_DATA));
        c.await(Sv2Common.SetupConnectionSuccess.class);
        return c;
    }

    static Bytes rawToken(Sv2TestClient c, long requestId) throws Exception {
        c.send(new Sv2JobDeclaration.AllocateMiningJobToken(Str0255.of("mallory.rig1"), requestId));
        return c.await(Sv2JobDeclaration.AllocateMiningJobTokenSuccess.class).miningJobToken();
    }

    static Sv2JobDeclaration.DeclareMiningJob declaration(long requestId, Bytes token, DeclaredTemplate t,
            List<U256> wtxids) {
        return new Sv2JobDeclaration.DeclareMiningJob(requestId, token, t.version() & 0xffffffffL, t.declaredPrefix(),
                t.declaredSuffix(), wtxids, Bytes.EMPTY);
    }

    static List<U256> randomIds(int n, long seed) {
        Random r = new Random(seed);
        List<U256> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[32];
            r.nextBytes(b);
            out.add(U256.of(b));
        }
        return out;
    }

    static String details(Sv2JobDeclaration.DeclareMiningJobError e) {
        return new String(e.errorDetails().toArray(), StandardCharsets.UTF_8);
    }

    @Test
    void hugeAndUnknownWtxidListsAndProvidedTransactionFloodsAreBoundedWhileAnHonestClientIsAnswered(@TempDir Path dir)
            throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        try (PoolHarness pool = JdsEndToEndTest.startPool(dir, Map.of("jds.max_open_declarations", "2",
                "jds.tokens_per_minute", "1000"))) {
            JdsEndToEndTest.fund(pool, wallet);
            var chain = pool.pool().embeddedNode().orElseThrow().chain();
            byte[] txA = Hex.decode(wallet.payFromMatureCoinbase(chain, Sv2MiningTest.newAddress(), 1_000_000_000L,
                    10_000));
            pool.rpc("sendrawtransaction", Hex.encode(txA));
            DeclaredTemplate good = DeclaredTemplate.of(JdsEndToEndTest.template(pool), List.of(txA),
                    List.of(new DeclaredTemplate.Out(JdsEndToEndTest.SUBSIDY + 10_000, JdsEndToEndTest.OPERATOR_SCRIPT)),
                    8);

            try (JdClient honest = JdClient.connect(group, pool.pool().jdsAddress(),
                    pool.pool().authority().orElseThrow().publicKey(), true).get(20, TimeUnit.SECONDS);
                    Sv2TestClient mallory = rawJdc(pool)) {
                // more wtxids than any block can hold: refused at once, with the bound in the details
                List<U256> tooMany = randomIds(JdsSession.MAX_DECLARED_TRANSACTIONS + 1, 1);
                mallory.send(declaration(1, rawToken(mallory, 100), good, tooMany));
                Sv2JobDeclaration.DeclareMiningJobError e = mallory.await(Sv2JobDeclaration.DeclareMiningJobError.class);
                assertEquals(1, e.requestId());
                assertEquals("invalid-job-param-value-wtxid_list", e.errorCode().text());
                assertTrue(details(e).contains(String.valueOf(JdsSession.MAX_DECLARED_TRANSACTIONS)), details(e));

                // 12,000 wtxids, all but one unknown to the pool: the JDS asks for them, twice; it never
                // gets them, and a third such declaration is over the connection's limit
                List<U256> unknown = new ArrayList<>(randomIds(12_000, 2));
                unknown.set(6_000, good.wtxidList().get(0));
                for (long id = 2; id <= 3; id++) {
                    mallory.send(declaration(id, rawToken(mallory, 100 + id), good, unknown));
                    Sv2JobDeclaration.ProvideMissingTransactions ask =
                            mallory.await(Sv2JobDeclaration.ProvideMissingTransactions.class);
                    assertEquals(id, ask.requestId());
                    assertEquals(11_999, ask.unknownTxPositionList().size(), "txA is the one the pool has");
                }
                Bytes kept = rawToken(mallory, 104);
                mallory.send(declaration(4, kept, good, unknown));
                e = mallory.await(Sv2JobDeclaration.DeclareMiningJobError.class);
                assertEquals(4, e.requestId());
                assertEquals("too-many-open-declarations", e.errorCode().text());
                assertTrue(details(e).contains("allows 2"), details(e));

                // the honest client beside it is answered meanwhile
                DeclareOutcome.Accepted ok = assertInstanceOf(DeclareOutcome.Accepted.class,
                        JdsEndToEndTest.declare(honest, JdsEndToEndTest.token(honest, "alice.rig1"), good));
                assertEquals(0, ok.missingProvided());

                // answering one request with the wrong number of transactions is refused ...
                mallory.send(new Sv2JobDeclaration.ProvideMissingTransactionsSuccess(2, List.of(Bytes.of(txA))));
                e = mallory.await(Sv2JobDeclaration.DeclareMiningJobError.class);
                assertEquals(2, e.requestId());
                assertEquals("invalid-job-param-value-transaction_list", e.errorCode().text());
                // ... which frees a place: the token refused for the limit was not used up
                mallory.send(declaration(5, kept, good, good.wtxidList()));
                Sv2JobDeclaration.DeclareMiningJobSuccess accepted =
                        mallory.await(Sv2JobDeclaration.DeclareMiningJobSuccess.class);
                assertEquals(5, accepted.requestId());

                // a flood of transactions nobody asked for (here for a request already answered, 1 MB
                // each) closes that connection at the first one
                Bytes junk = Bytes.of(new byte[1 << 20]);
                for (int i = 0; i < 20 && !mallory.awaitClosed(Duration.ZERO); i++) {
                    try {
                        mallory.send(new Sv2JobDeclaration.ProvideMissingTransactionsSuccess(2, List.of(junk)));
                    } catch (Exception closedMeanwhile) { // Netty rethrows the socket's IOException as is
                        break;
                    }
                }
                assertTrue(mallory.awaitClosed(Duration.ofSeconds(20)), "the flooding connection is closed");
            }
            // and the pool still answers a new honest client
            try (JdClient honest = JdClient.connect(group, pool.pool().jdsAddress(),
                    pool.pool().authority().orElseThrow().publicKey(), true).get(20, TimeUnit.SECONDS)) {
                assertInstanceOf(DeclareOutcome.Accepted.class,
                        JdsEndToEndTest.declare(honest, JdsEndToEndTest.token(honest, "alice.rig1"), good));
            }
        }
    }

    @Test
    void aLateAnswerAfterTheTimeoutIsIgnoredOnceAndARepeatCloses(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = JdsEndToEndTest.startPool(dir, Map.of("jds.declaration_timeout_seconds", "1"))) {
            PoolHarness.await(Duration.ofSeconds(30), () -> pool.pool().templates().current() != null, "a template");
            DeclaredTemplate empty = DeclaredTemplate.of(JdsEndToEndTest.template(pool), List.of(),
                    List.of(new DeclaredTemplate.Out(JdsEndToEndTest.SUBSIDY, JdsEndToEndTest.OPERATOR_SCRIPT)), 8);
            try (Sv2TestClient slow = rawJdc(pool)) {
                slow.send(declaration(7, rawToken(slow, 1), empty, randomIds(1, 3)));
                assertEquals(7, slow.await(Sv2JobDeclaration.ProvideMissingTransactions.class).requestId());
                Sv2JobDeclaration.DeclareMiningJobError e = slow.await(Sv2JobDeclaration.DeclareMiningJobError.class);
                assertEquals("invalid-job-param-value-transaction_list", e.errorCode().text());
                assertTrue(details(e).contains("not provided within"), details(e));
                // the slow JDC's answer arrives after the refusal: ignored, the connection stays
                Bytes junk = Bytes.of(new byte[100]);
                slow.send(new Sv2JobDeclaration.ProvideMissingTransactionsSuccess(7, List.of(junk)));
                rawToken(slow, 2);
                // the same answer again is no longer a late one
                slow.send(new Sv2JobDeclaration.ProvideMissingTransactionsSuccess(7, List.of(junk)));
                assertTrue(slow.awaitClosed(Duration.ofSeconds(20)), "a repeated answer closes the connection");
            }
        }
    }

    @Test
    void wrongHeightOverclaimedRevenueAndACustomJobPayingThePoolLessAreRefused(@TempDir Path dir) throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        byte[] minerScript = JdsEndToEndTest.script(Sv2MiningTest.newAddress());
        try (PoolHarness pool = JdsEndToEndTest.startPool(dir, Map.of("jds.min_pool_share", "0.5"))) {
            JdsEndToEndTest.fund(pool, wallet);
            var chain = pool.pool().embeddedNode().orElseThrow().chain();
            byte[] txA = Hex.decode(wallet.payFromMatureCoinbase(chain, Sv2MiningTest.newAddress(), 1_000_000_000L,
                    10_000));
            pool.rpc("sendrawtransaction", Hex.encode(txA));
            long revenue = JdsEndToEndTest.SUBSIDY + 10_000;
            try (JdClient jdc = JdClient.connect(group, pool.pool().jdsAddress(),
                    pool.pool().authority().orElseThrow().publicKey(), true).get(20, TimeUnit.SECONDS);
                    JdsEndToEndTest.Miner m = JdsEndToEndTest.miner(pool, "alice.rig1")) {
                int exSize = m.extranonceSize();
                DeclaredTemplate good = DeclaredTemplate.of(JdsEndToEndTest.template(pool), List.of(txA),
                        List.of(new DeclaredTemplate.Out(1_000, minerScript),
                                new DeclaredTemplate.Out(revenue - 1_000, JdsEndToEndTest.OPERATOR_SCRIPT)), exSize);

                // the BIP34 height of a block other than the next one
                DeclaredTemplate wrongHeight = new DeclaredTemplate(good.version(), good.prevHash(), good.nbits(),
                        good.height() + 1, good.ntime(), good.txs(), good.outputs(), exSize);
                DeclareOutcome.Refused r = assertInstanceOf(DeclareOutcome.Refused.class,
                        JdsEndToEndTest.declare(jdc, JdsEndToEndTest.token(jdc, "alice.rig1"), wrongHeight));
                assertEquals("invalid-job-param-value-coinbase_tx_prefix", r.errorCode());
                assertTrue(r.details().contains("BIP34 height " + good.height()), r.details());

                // a coinbase claiming one satoshi more than subsidy plus fees: the node's proposal check
                DeclaredTemplate greedy = DeclaredTemplate.of(JdsEndToEndTest.template(pool), List.of(txA),
                        List.of(new DeclaredTemplate.Out(revenue + 1, JdsEndToEndTest.OPERATOR_SCRIPT)), exSize);
                r = assertInstanceOf(DeclareOutcome.Refused.class,
                        JdsEndToEndTest.declare(jdc, JdsEndToEndTest.token(jdc, "alice.rig1"), greedy));
                assertEquals("invalid-job-param-value-wtxid_list", r.errorCode());
                assertTrue(r.details().contains("bad-cb-amount"), r.details());

                // declared honestly, then set on the mining connection paying the pool output one satoshi
                // less than declared (and the miner's output one more): refused; as declared: accepted
                DeclareOutcome.Accepted ok = assertInstanceOf(DeclareOutcome.Accepted.class,
                        JdsEndToEndTest.declare(jdc, JdsEndToEndTest.token(jdc, "alice.rig1"), good));
                DeclaredTemplate shifted = DeclaredTemplate.of(JdsEndToEndTest.template(pool), List.of(txA),
                        List.of(new DeclaredTemplate.Out(1_001, minerScript),
                                new DeclaredTemplate.Out(revenue - 1_001, JdsEndToEndTest.OPERATOR_SCRIPT)), exSize);
                long ch = m.channel().channelId();
                m.client().send(good.customJob(ch, 20, ok.newMiningJobToken(), shifted.outputs(), good.merklePath()));
                Sv2Mining.SetCustomMiningJobError ce = m.client().await(Sv2Mining.SetCustomMiningJobError.class);
                assertEquals(20, ce.requestId());
                assertEquals("invalid-job-param-value-coinbase_tx_outputs", ce.errorCode().text());
                m.client().send(good.customJob(ch, 21, ok.newMiningJobToken()));
                assertEquals(21, m.client().await(Sv2Mining.SetCustomMiningJobSuccess.class).requestId());

                // the token DeclareMiningJob.Success gave is not a token to declare with again
                r = assertInstanceOf(DeclareOutcome.Refused.class, JdsEndToEndTest.declare(jdc, ok.newMiningJobToken(), good));
                assertEquals("invalid-mining-job-token", r.errorCode());
            }
        }
    }
}
