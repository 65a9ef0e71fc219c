package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.payout.PayoutLedger;
import org.templar.payout.ShareRecord;
import org.templar.payout.coinbase.TxOut;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Sv2ExtensionsNegotiation;
import org.templar.pool.sv2.codec.Sv2JobDeclaration;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.Sv2Tlvs;
import org.templar.pool.sv2.jds.CoinbaseOutputs;
import org.templar.pool.sv2.jds.JdClient;
import org.templar.pool.sv2.jds.JdClientSession.DeclareOutcome;
import org.templar.pool.sv2.jds.JdClientSession.PayoutOutcome;
import org.templar.share.Hex;

/**
 * Extension 0x0003 (draft, non-custodial pool payouts) end to end: the real pool with its JDS on
 * loopback, a real Noise-encrypted {@link JdClient} negotiating the extension with 0x0001, asking for
 * the payout outputs of a token, declaring a template that pays them, and a real SV2 mining
 * connection mining that template into a block whose coinbase the test reads from the node.
 */
@Timeout(240)
class JdsPayoutOutputsTest {
    private EventLoopGroup group;

    @BeforeEach
    void group() {
        group = new NioEventLoopGroup(1);
    }

    @AfterEach
    void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private JdClient jdc(PoolHarness pool) throws Exception {
        return JdClient.connect(group, pool.pool().jdsAddress(), pool.pool().authority().orElseThrow().publicKey(), true)
                .get(20, TimeUnit.SECONDS);
    }

    private static void negotiate(JdClient c) throws Exception {
        Sv2Message answer = c.requestExtensions(List.of(3)).get(20, TimeUnit.SECONDS);
        assertEquals(List.of(3), assertInstanceOf(Sv2ExtensionsNegotiation.RequestExtensionsSuccess.class, answer,
                answer.toString()).supportedExtensions());
    }

    private static List<TxOut> outputs(PayoutOutcome o) {
        return CoinbaseOutputs.parse(assertInstanceOf(PayoutOutcome.Outputs.class, o, o.toString())
                .coinbaseTxOutputs().toArray()).outputs();
    }

    private static String refusedPayout(PayoutOutcome o) {
        return assertInstanceOf(PayoutOutcome.Refused.class, o, o.toString()).errorCode();
    }

    private static DeclareOutcome.Refused refused(DeclareOutcome o) {
        return assertInstanceOf(DeclareOutcome.Refused.class, o, o.toString());
    }

    private static int heightOf(PoolHarness pool) {
        try {
            return pool.height();
        } catch (Exception e) {
            return -1;
        }
    }

    private static List<DeclaredTemplate.Out> outs(List<TxOut> outputs) {
        List<DeclaredTemplate.Out> outs = new ArrayList<>();
        for (TxOut o : outputs) {
            outs.add(new DeclaredTemplate.Out(o.valueSats(), o.script()));
        }
        return outs;
    }

    @Test
    void tidesPayoutOutputsAreAnsweredOncePaidByTheDeclaredBlockAndCreditedAtTheirWeight(@TempDir Path dir)
            throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        String donation = SoloAndPoolMiningTest.newAddress();
        String alice = SoloAndPoolMiningTest.newAddress();
        Map<String, String> config = new HashMap<>(TidesInJobsTest.tidesConfig(operator, donation));
        config.put("sv2.listen", "127.0.0.1:0");
        config.put("jds.listen", "127.0.0.1:0");
        config.put("vardiff.minimum", "1e-10");
        config.put("vardiff.initial", "1e-10");
        config.put("jds.min_pool_share", "0.5");
        try (PoolHarness pool = PoolHarness.start(dir, config)) {
            // alice's shares in the TIDES window, from ordinary pool jobs
            PayoutLedger payouts = new PayoutLedger(pool.pool().ledger());
            try (CpuMiner a = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, alice + ".rig1"))) {
                PoolHarness.await(Duration.ofSeconds(60), () -> !pool.pool().ledger().sharesFor(alice, 1).isEmpty(),
                        "alice's shares in the ledger; " + a.snapshot());
            }
            int tip = pool.height();
            PoolHarness.await(Duration.ofSeconds(30), () -> JdsEndToEndTest.template(pool).height() == tip + 1,
                    "the pool's template on the last tip");

            try (JdClient jdc = jdc(pool); JdsEndToEndTest.Miner m = JdsEndToEndTest.miner(pool, alice + ".rig1")) {
                negotiate(jdc);
                // A block the CPU miner solved may still reach the node after it stopped: the outputs are then
                // stale-payout-outputs, and the JDC asks again as the draft says (a few rounds at most).
                Sv2JobDeclaration.AllocateMiningJobTokenSuccess alloc = null;
                long revenue = 0;
                long available = 0;
                Map<String, Long> byScript = null;
                byte[] minerScript = JdsEndToEndTest.script(Sv2MiningTest.newAddress());
                DeclaredTemplate t = null;
                DeclareOutcome.Accepted accepted = null;
                for (int attempt = 0; accepted == null; attempt++) {
                    assertTrue(attempt < 5, "the tip kept moving");
                    alloc = jdc.allocateToken(alice + ".rig1")
                            .get(20, TimeUnit.SECONDS);
                    // the reservation: the pool's own plan's outputs (alice, fee, donation) at zero
                    List<TxOut> reserved = CoinbaseOutputs.parse(alloc.coinbaseTxOutputs().toArray()).outputs();
                    assertTrue(reserved.size() >= 3, reserved.toString());
                    assertTrue(reserved.stream().allMatch(o -> o.valueSats() == 0), reserved.toString());

                    // the miner keeps 10 % of the revenue in its own output; the rest is the pool's to divide
                    revenue = JdsEndToEndTest.template(pool).coinbaseValue();
                    available = revenue / 10 * 9;
                    List<TxOut> payout = outputs(jdc.requestPayoutOutputs(alloc.miningJobToken(), available)
                            .get(20, TimeUnit.SECONDS));
                    // recomputed here: 1 % fee, 0.5 % donation, alice (alone in the window) the rest
                    long fee = available * TidesInJobsTest.FEE_PPM / 1_000_000;
                    long donated = available * TidesInJobsTest.DONATION_PPM / 1_000_000;
                    Map<String, Long> paidTo = new HashMap<>();
                    payout.forEach(o -> paidTo.merge(Hex.encode(o.script()), o.valueSats(), Long::sum));
                    byScript = paidTo;
                    assertEquals(Map.of(TidesInJobsTest.script(alice), available - fee - donated,
                            TidesInJobsTest.script(operator), fee, TidesInJobsTest.script(donation), donated), byScript);
                    assertEquals(available, payout.stream().mapToLong(TxOut::valueSats).sum());

                    // a declaration that reduces one payout output: refused (its token and set are used up by it)
                    Bytes cheatToken = JdsEndToEndTest.token(jdc, alice + ".rig1");
                    outputs(jdc.requestPayoutOutputs(cheatToken, available).get(20, TimeUnit.SECONDS));
                    List<DeclaredTemplate.Out> cheated = new ArrayList<>(outs(payout));
                    DeclaredTemplate.Out first = cheated.get(0);
                    cheated.set(0, new DeclaredTemplate.Out(first.sats() - 1, first.script()));
                    cheated.add(new DeclaredTemplate.Out(revenue - available + 1, minerScript));
                    DeclaredTemplate bad = DeclaredTemplate.of(JdsEndToEndTest.template(pool), List.of(), cheated,
                            m.extranonceSize());
                    String cheatRefused = refused(JdsEndToEndTest.declare(jdc, cheatToken, bad)).errorCode();
                    if (cheatRefused.equals("stale-payout-outputs")) {
                        continue;
                    }
                    assertEquals("invalid-payout-outputs", cheatRefused);

                    // the honest declaration, outputs in another order than answered (the draft's multiset rule)
                    List<DeclaredTemplate.Out> honest = new ArrayList<>(outs(payout));
                    Collections.reverse(honest);
                    honest.add(new DeclaredTemplate.Out(revenue - available, minerScript));
                    t = DeclaredTemplate.of(JdsEndToEndTest.template(pool), List.of(), honest,
                            m.extranonceSize());
                    DeclareOutcome outcome = JdsEndToEndTest.declare(jdc, alloc.miningJobToken(), t);
                    if (outcome instanceof DeclareOutcome.Refused r && r.errorCode().equals("stale-payout-outputs")) {
                        continue;
                    }
                    accepted = assertInstanceOf(DeclareOutcome.Accepted.class, outcome, outcome.toString());
                }

                // single-use: neither a second declaration nor a second request with that token
                DeclareOutcome again = JdsEndToEndTest.declare(jdc, alloc.miningJobToken(), t);
                assertEquals("payout-outputs-already-used", refused(again).errorCode());
                assertEquals("payout-outputs-already-used", refusedPayout(
                        jdc.requestPayoutOutputs(alloc.miningJobToken(), available).get(20, TimeUnit.SECONDS)));
                // a fresh token declared without asking for its outputs: refused, the draft wants a set per job
                Bytes fresh = JdsEndToEndTest.token(jdc, alice + ".rig1");
                assertEquals("invalid-payout-outputs", refused(JdsEndToEndTest.declare(jdc, fresh, t)).errorCode());

                // mine the declared job: a share that solves the block
                long ch = m.channel().channelId();
                m.client().send(t.customJob(ch, 13, accepted.newMiningJobToken()));
                Sv2Mining.SetCustomMiningJobSuccess set = m.client().await(Sv2Mining.SetCustomMiningJobSuccess.class);
                byte[] clientPart = new byte[m.channel().extranonceSize()];
                int nonce = JdsEndToEndTest.blockNonce(t, m.extranonce(clientPart));
                int height = pool.height();
                m.client().send(new Sv2Mining.SubmitSharesExtended(ch, 1, set.jobId(), nonce & 0xffffffffL,
                        t.ntime() & 0xffffffffL, t.version() & 0xffffffffL, Bytes.of(clientPart), Sv2Tlvs.NONE));
                assertEquals(1, m.client().await(Sv2Mining.SubmitSharesSuccess.class).newSubmitsAcceptedCount());
                PoolHarness.await(Duration.ofSeconds(30), () -> heightOf(pool) == height + 1, "the block on the chain");

                // the block's coinbase pays every payout output, and the miner its 10 %
                Map<String, Long> paid = TidesInJobsTest.coinbaseOutputs(pool, pool.rpc("getbestblockhash").asText());
                byScript.forEach((script, sats) -> assertEquals(sats, paid.get(script), "payout output " + script));
                assertEquals(revenue - available, paid.get(Hex.encode(minerScript)));

                // alice's share on her own template credited at the payout set's share of the revenue
                PoolHarness.await(Duration.ofSeconds(10), () -> pool.pool().ledger().sharesFor(alice, 50).stream()
                        .anyMatch(s -> ShareRecord.SOURCE_JD_FULL.equals(s.templateSource())), "the custom-job share");
                ShareRecord share = pool.pool().ledger().sharesFor(alice, 50).stream()
                        .filter(s -> ShareRecord.SOURCE_JD_FULL.equals(s.templateSource())).findFirst().orElseThrow();
                assertEquals((double) available / revenue, share.revenueWeight(), 1e-12);
                assertTrue(payouts.lastPoolShareId() > 0);

                // the declared block is credited with the plan its payout outputs came from, as the pool's
                // own blocks are: what its coinbase paid is in the ledger, and verify agrees with the chain
                String hash = pool.rpc("getbestblockhash").asText();
                var settlement = payouts.settlement(hash).orElseThrow(() -> new AssertionError("declared block not credited"));
                assertEquals(available, settlement.rewardSats(), "the plan divides the payout value, not the revenue");
                assertTrue(payouts.coinbasePlanInputs(hash).orElseThrow().minerDeclared());
                long paidToAlice = settlement.coinbasePayments().stream().filter(c -> c.account().equals(alice))
                        .mapToLong(org.templar.payout.scheme.Credit::sats).sum();
                assertEquals(byScript.get(TidesInJobsTest.script(alice)), paidToAlice);
                var verified = new AdminApi(pool.pool()).handle("GET", "/api/payouts/verify", Map.of("block", hash)).body();
                assertTrue(verified.path("ok").asBoolean(), verified.toString());
            }
        }
    }

    @Test
    void withoutNegotiationTheRequestIsRefusedAndOtherSchemesAnswerThePoolOutput(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = JdsEndToEndTest.startPool(dir, Map.of())) {
            try (JdClient plain = jdc(pool); JdClient negotiated = jdc(pool)) {
                Bytes token = JdsEndToEndTest.token(plain, "alice.rig1");
                assertEquals("extension-not-negotiated",
                        refusedPayout(plain.requestPayoutOutputs(token, 1_000).get(20, TimeUnit.SECONDS)));
                // after other messages, negotiation is over: asked late, the extension is refused
                Sv2Message late = plain.requestExtensions(List.of(3)).get(20, TimeUnit.SECONDS);
                assertEquals(List.of(3), assertInstanceOf(Sv2ExtensionsNegotiation.RequestExtensionsError.class, late)
                        .unsupportedExtensions());

                // an extension the JDS does not have is listed as unsupported; 0x0003 is then still negotiable
                Sv2Message unknown = negotiated.requestExtensions(List.of(2)).get(20, TimeUnit.SECONDS);
                assertEquals(List.of(2), assertInstanceOf(Sv2ExtensionsNegotiation.RequestExtensionsError.class, unknown)
                        .unsupportedExtensions());
                negotiate(negotiated);
                // another connection's token is not this one's
                assertEquals("invalid-mining-job-token",
                        refusedPayout(negotiated.requestPayoutOutputs(token, 1_000).get(20, TimeUnit.SECONDS)));
                Bytes own = JdsEndToEndTest.token(negotiated, "alice.rig1");
                assertEquals("invalid-available-payout-value",
                        refusedPayout(negotiated.requestPayoutOutputs(own, 0).get(20, TimeUnit.SECONDS)));
                // a scheme paid outside the coinbase: everything to the pool payout output
                long value = JdsEndToEndTest.template(pool).coinbaseValue();
                List<TxOut> payout = outputs(negotiated.requestPayoutOutputs(own, value).get(20, TimeUnit.SECONDS));
                assertEquals(List.of(new TxOut(value, JdsEndToEndTest.OPERATOR_SCRIPT)), payout);
                DeclaredTemplate t = DeclaredTemplate.of(JdsEndToEndTest.template(pool), List.of(), outs(payout), 8);
                assertInstanceOf(DeclareOutcome.Accepted.class, JdsEndToEndTest.declare(negotiated, own, t));

                // outputs planned before the tip moved are stale: the draft's stale-payout-outputs
                Bytes early = JdsEndToEndTest.token(negotiated, "alice.rig1");
                outputs(negotiated.requestPayoutOutputs(early, value).get(20, TimeUnit.SECONDS));
                int next = JdsEndToEndTest.template(pool).height() + 1;
                pool.pool().embeddedNode().orElseThrow().generateToAddress(1, Sv2MiningTest.newAddress());
                PoolHarness.await(Duration.ofSeconds(30), () -> JdsEndToEndTest.template(pool).height() == next,
                        "the pool's template on the new tip");
                long nextValue = JdsEndToEndTest.template(pool).coinbaseValue();
                DeclaredTemplate onNewTip = DeclaredTemplate.of(JdsEndToEndTest.template(pool), List.of(),
                        List.of(new DeclaredTemplate.Out(nextValue, JdsEndToEndTest.OPERATOR_SCRIPT)), 8);
                assertEquals("stale-payout-outputs",
                        refused(JdsEndToEndTest.declare(negotiated, early, onNewTip)).errorCode());
            }
            // A client asking for the outputs of one token again and again (each answer reads the share
            // window) is closed past the per-minute allowance; another connection is still answered.
            try (JdClient flooder = jdc(pool); JdClient honest = jdc(pool)) {
                negotiate(flooder);
                negotiate(honest);
                Bytes token = JdsEndToEndTest.token(flooder, "alice.rig1");
                long value = JdsEndToEndTest.template(pool).coinbaseValue();
                int answered = 0;
                boolean closed = false;
                for (int i = 0; i < 40 && !closed; i++) {
                    try {
                        flooder.requestPayoutOutputs(token, value).get(20, TimeUnit.SECONDS);
                        answered++;
                    } catch (java.util.concurrent.ExecutionException e) {
                        closed = true;
                    }
                }
                assertTrue(closed, "the flooding connection is closed");
                // the default allowance (jds.tokens_per_minute, 30) first, plus what refills meanwhile (0.5/s)
                assertTrue(answered >= 30 && answered < 40, "answered before the close: " + answered);
                Bytes own = JdsEndToEndTest.token(honest, "alice.rig1");
                outputs(honest.requestPayoutOutputs(own, value).get(20, TimeUnit.SECONDS));
            }
        }
    }
}
