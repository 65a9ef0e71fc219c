package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.script.ScriptBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.ShareRecord;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2JobDeclaration;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.Sv2Tlvs;
import org.templar.pool.sv2.codec.U256;
import org.templar.pool.sv2.jds.CoinbaseOutputs;
import org.templar.pool.sv2.jds.JdClient;
import org.templar.pool.sv2.jds.JdClientSession;
import org.templar.pool.sv2.jds.JdClientSession.DeclareOutcome;
import org.templar.regtest.OutPointKey;
import org.templar.regtest.RegtestWallet;
import org.templar.share.Hex;
import org.templar.share.Sha256;
import org.templar.share.Target;

/**
 * The Job Declaration Server end to end: the real pool (embedded regtest node, H2 ledger) with its
 * SV2 and JDS listeners on loopback, a real Noise-encrypted {@link JdClient} declaring templates the
 * test builds from the node's chain, and a real SV2 mining connection setting the custom jobs and
 * submitting shares on them.
 */
@Timeout(240)
class JdsEndToEndTest {
    static final U256 ANY_TARGET = U256.of(Sv2MiningTest.filled((byte) 0xff));
    static final String OPERATOR = Sv2MiningTest.newAddress();
    static final byte[] OPERATOR_SCRIPT = script(OPERATOR);
    static final long SUBSIDY = 5_000_000_000L;

    private EventLoopGroup group;

    @BeforeEach
    void group() {
        group = new NioEventLoopGroup(1);
    }

    @AfterEach
    void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    static byte[] script(String address) {
        return ScriptBuilder.createOutputScript(
                org.bitcoinj.base.AddressParser.getDefault(BitcoinNetwork.REGTEST).parseAddress(address)).program();
    }

    static PoolHarness startPool(Path dir, Map<String, String> extra) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("sv2.listen", "127.0.0.1:0");
        o.put("jds.listen", "127.0.0.1:0");
        o.put("pool.payout_address", OPERATOR);
        o.put("vardiff.minimum", "1e-10");
        o.put("vardiff.initial", "1e-10");
        // the tests check exactly which transactions the JDS asks for right after sending one to the
        // pool's node: its mempool index must be refreshed for every declaration, not once a second
        o.put("jds.mempool_max_age_ms", "0");
        o.putAll(extra);
        return PoolHarness.start(dir, o);
    }

    JdClient jdc(PoolHarness pool, boolean fullTemplate) throws Exception {
        return JdClient.connect(group, pool.pool().jdsAddress(), pool.pool().authority().orElseThrow().publicKey(),
                fullTemplate).get(20, TimeUnit.SECONDS);
    }

    /** A mining connection with REQUIRES_WORK_SELECTION and one extended channel for {@code user}. */
    record Miner(Sv2TestClient client, Sv2Mining.OpenExtendedMiningChannelSuccess channel) implements AutoCloseable {
        int extranonceSize() {
            return channel.extranoncePrefix().length() + channel.extranonceSize();
        }

        byte[] extranonce(byte[] clientPart) {
            return DeclaredTemplate.concat(channel.extranoncePrefix().toArray(), clientPart);
        }

        @Override
        public void close() {
            client.close();
        }
    }

    static Miner miner(PoolHarness pool, String user) throws Exception {
        Sv2TestClient c = Sv2MiningTest.connect(pool);
        c.send(Sv2TestClient.setup(Sv2Common.SetupConnection.REQUIRES_WORK_SELECTION));
        c.await(Sv2Common.SetupConnectionSuccess.class);
        c.send(new Sv2Mining.OpenExtendedMiningChannel(1, Str0255.of(user), 0f, ANY_TARGET, 4));
        return new Miner(c, c.await(Sv2Mining.OpenExtendedMiningChannelSuccess.class));
    }

    /** Mines 102 blocks to {@code wallet}, so three of its coinbases can be spent; waits for the template. */
    static void fund(PoolHarness pool, RegtestWallet wallet) throws Exception {
        var node = pool.pool().embeddedNode().orElseThrow();
        node.generateToAddress(102, wallet.address());
        int next = node.chain().height() + 1;
        PoolHarness.await(Duration.ofSeconds(30), () -> {
            var t = pool.pool().templates().current();
            return t != null && t.blockTemplate().height() == next;
        }, "the pool's template on the new tip");
    }

    static BlockTemplate template(PoolHarness pool) {
        return pool.pool().templates().current().blockTemplate();
    }

    static DeclareOutcome declare(JdClient c, Bytes token, DeclaredTemplate t) throws Exception {
        return c.declare(token, t.version() & 0xffffffffL, t.declaredPrefix(), t.declaredSuffix(), t.wtxidList(),
                Bytes.EMPTY, position -> Bytes.of(t.txs().get(position))).get(60, TimeUnit.SECONDS);
    }

    static Bytes token(JdClient c, String user) throws Exception {
        return c.allocateToken(user).get(20, TimeUnit.SECONDS).miningJobToken();
    }

    static String txid(byte[] tx) {
        return DeclaredTemplate.parse(tx).getTxId().toString();
    }

    @Test
    void fullTemplateJobWithAMissingTransactionIsAcceptedMinedAndCreditedAtItsWeight(@TempDir Path dir)
            throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        byte[] minerScript = script(Sv2MiningTest.newAddress());
        try (PoolHarness pool = startPool(dir, Map.of("jds.min_pool_share", "0.5"))) {
            fund(pool, wallet);
            var chain = pool.pool().embeddedNode().orElseThrow().chain();
            String recipient = Sv2MiningTest.newAddress();
            // txA is in the pool node's mempool; txB only in "the miner's node": never sent here
            byte[] txA = Hex.decode(wallet.payFromMatureCoinbase(chain, recipient, 1_000_000_000L, 10_000));
            pool.rpc("sendrawtransaction", Hex.encode(txA));
            byte[] txB = Hex.decode(wallet.payFromMatureCoinbase(chain, recipient, 2_000_000_000L, 20_000));
            assertEquals(1, pool.rpc("getrawmempool").size(), "txB is not in the pool's mempool");

            try (JdClient jdc = jdc(pool, true); Miner m = miner(pool, "alice.rig1")) {
                // AllocateMiningJobToken.Success: the first output is the pool payout output, amount 0
                Sv2JobDeclaration.AllocateMiningJobTokenSuccess alloc = jdc.allocateToken("alice.rig1")
                        .get(20, TimeUnit.SECONDS);
                CoinbaseOutputs announced = CoinbaseOutputs.parse(alloc.coinbaseTxOutputs().toArray());
                assertEquals(0, announced.outputs().get(0).valueSats());
                assertArrayEquals(OPERATOR_SCRIPT, announced.outputs().get(0).script());

                // the miner keeps 40 % in its own output: the pool output gets exactly 60 % of the revenue
                long revenue = SUBSIDY + 10_000 + 20_000;
                long poolShare = revenue / 10 * 6;
                DeclaredTemplate t = DeclaredTemplate.of(template(pool), List.of(txA, txB),
                        List.of(new DeclaredTemplate.Out(revenue - poolShare, minerScript),
                                new DeclaredTemplate.Out(poolShare, OPERATOR_SCRIPT)),
                        m.extranonceSize());
                DeclareOutcome outcome = declare(jdc, alloc.miningJobToken(), t);
                DeclareOutcome.Accepted accepted = assertInstanceOf(DeclareOutcome.Accepted.class, outcome,
                        outcome.toString());
                assertEquals(1, accepted.missingProvided(), "the JDS asked for txB only");

                long ch = m.channel().channelId();
                // SetCustomMiningJob that differs from the declaration: refused, field by field
                byte[] otherOutputs = t.outputs().clone();
                otherOutputs[1] ^= 1; // the first output's amount
                m.client().send(t.customJob(ch, 10, accepted.newMiningJobToken(), otherOutputs, t.merklePath()));
                assertEquals("invalid-job-param-value-coinbase_tx_outputs",
                        m.client().await(Sv2Mining.SetCustomMiningJobError.class).errorCode().text());
                m.client().send(t.customJob(ch, 11, accepted.newMiningJobToken(), t.outputs(), List.of()));
                assertEquals("invalid-job-param-value-merkle_path",
                        m.client().await(Sv2Mining.SetCustomMiningJobError.class).errorCode().text());
                // the allocated (undeclared) token is not a custom job token in Full-Template mode
                m.client().send(t.customJob(ch, 12, alloc.miningJobToken()));
                assertEquals("invalid-mining-job-token",
                        m.client().await(Sv2Mining.SetCustomMiningJobError.class).errorCode().text());

                m.client().send(t.customJob(ch, 13, accepted.newMiningJobToken()));
                Sv2Mining.SetCustomMiningJobSuccess set = m.client().await(Sv2Mining.SetCustomMiningJobSuccess.class);
                assertEquals(13, set.requestId());

                // a share on the custom job that also solves the block
                byte[] clientPart = new byte[m.channel().extranonceSize()];
                int nonce = blockNonce(t, m.extranonce(clientPart));
                int height = pool.height();
                m.client().send(new Sv2Mining.SubmitSharesExtended(ch, 1, set.jobId(), nonce & 0xffffffffL,
                        t.ntime() & 0xffffffffL, t.version() & 0xffffffffL, Bytes.of(clientPart), Sv2Tlvs.NONE));
                Sv2Mining.SubmitSharesSuccess ok = m.client().await(Sv2Mining.SubmitSharesSuccess.class);
                assertEquals(1, ok.newSubmitsAcceptedCount());

                // the pool rebuilt the block from the declared transactions: the node has txB now
                PoolHarness.await(Duration.ofSeconds(30), () -> heightOf(pool) == height + 1, "the block on the chain");
                JsonNode block = pool.rpc("getblock", pool.rpc("getbestblockhash").asText(), 1);
                List<String> txids = new ArrayList<>();
                block.get("tx").forEach(x -> txids.add(x.asText()));
                assertTrue(txids.contains(txid(txB)), "the block holds the transaction only the miner had");
                assertTrue(txids.contains(txid(txA)));

                // the ledger: credited at weight 0.6, template chosen by the miner
                PoolHarness.await(Duration.ofSeconds(10), () -> !pool.pool().ledger().sharesFor("alice", 10).isEmpty(),
                        "the share in the ledger");
                ShareRecord share = pool.pool().ledger().sharesFor("alice", 10).get(0);
                assertEquals(0.6, share.revenueWeight(), 1e-12);
                assertEquals(ShareRecord.SOURCE_JD_FULL, share.templateSource());
                assertTrue(share.blockCandidate());

                // PushSolution: the JDS rebuilds and submits a block of its last declared job by itself
                PoolHarness.await(Duration.ofSeconds(30), () -> template(pool).height() == height + 2,
                        "the template on the new tip");
                DeclaredTemplate next = DeclaredTemplate.of(template(pool), List.of(),
                        List.of(new DeclaredTemplate.Out(SUBSIDY, OPERATOR_SCRIPT)), m.extranonceSize());
                DeclareOutcome second = declare(jdc, token(jdc, "alice.rig1"), next);
                assertInstanceOf(DeclareOutcome.Accepted.class, second, second.toString());
                byte[] extranonce = m.extranonce(new byte[] {1, 2, 3, 4});
                int n2 = blockNonce(next, extranonce);
                jdc.pushSolution(new Sv2JobDeclaration.PushSolution(Bytes.of(extranonce), U256.of(next.prevHash()),
                        n2 & 0xffffffffL, next.ntime() & 0xffffffffL, next.nbits() & 0xffffffffL,
                        next.version() & 0xffffffffL));
                PoolHarness.await(Duration.ofSeconds(30), () -> heightOf(pool) == height + 2,
                        "the pushed block on the chain");
                assertEquals(Hex.encode(org.templar.share.Hex.reverse(Sha256.hashTwice(next.header(extranonce, n2)))),
                        pool.rpc("getbestblockhash").asText());
            }
        }
    }

    @Test
    void refusalsCarryTheSpecErrorAndLeaveOtherConnectionsAlone(@TempDir Path dir) throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        byte[] minerScript = script(Sv2MiningTest.newAddress());
        try (PoolHarness pool = startPool(dir, Map.of("jds.min_pool_share", "0.5", "jds.tokens_per_minute", "20"))) {
            fund(pool, wallet);
            var chain = pool.pool().embeddedNode().orElseThrow().chain();
            String recipient = Sv2MiningTest.newAddress();
            byte[] txA = Hex.decode(wallet.payFromMatureCoinbase(chain, recipient, 1_000_000_000L, 10_000));
            pool.rpc("sendrawtransaction", Hex.encode(txA));
            var in = DeclaredTemplate.parse(txA).getInput(0).getOutpoint();
            // txC spends the same coin as txA: each is valid alone, not both in one block
            byte[] txC = Hex.decode(wallet.spend(new OutPointKey(in.hash(), in.index()), SUBSIDY, recipient,
                    3_000_000_000L, 10_000));

            try (JdClient a = jdc(pool, true); JdClient b = jdc(pool, true); Miner m = miner(pool, "alice.rig1")) {
                int exSize = m.extranonceSize();
                // pool output below the operator's minimum (40 % < 50 %)
                long revenue = SUBSIDY + 10_000;
                DeclaredTemplate low = DeclaredTemplate.of(template(pool), List.of(txA),
                        List.of(new DeclaredTemplate.Out(revenue - revenue / 10 * 4, minerScript),
                                new DeclaredTemplate.Out(revenue / 10 * 4, OPERATOR_SCRIPT)), exSize);
                Bytes usedToken = token(a, "alice.rig1");
                DeclareOutcome.Refused r = refused(declare(a, usedToken, low));
                assertEquals("invalid-job-param-value-coinbase_tx_suffix", r.errorCode());
                assertTrue(r.details().contains("40.00 %"), r.details());

                // a double spend: the pool asks for txC, and its node's proposal check rejects the block
                DeclaredTemplate doubleSpend = DeclaredTemplate.of(template(pool), List.of(txA, txC),
                        List.of(new DeclaredTemplate.Out(SUBSIDY, OPERATOR_SCRIPT)), exSize);
                r = refused(declare(a, token(a, "alice.rig1"), doubleSpend));
                assertEquals("invalid-job-param-value-wtxid_list", r.errorCode());
                assertTrue(r.details().contains("rejected"), r.details());

                DeclaredTemplate good = DeclaredTemplate.of(template(pool), List.of(txA),
                        List.of(new DeclaredTemplate.Out(revenue, OPERATOR_SCRIPT)), exSize);
                // unknown, already used, and another connection's token
                byte[] random = new byte[16];
                new SecureRandom().nextBytes(random);
                assertEquals("invalid-mining-job-token", refused(declare(a, Bytes.of(random), good)).errorCode());
                assertEquals("invalid-mining-job-token", refused(declare(a, usedToken, good)).errorCode());
                assertEquals("invalid-mining-job-token", refused(declare(a, token(b, "alice.rig1"), good)).errorCode());

                // after all that, the same connection declares a good job
                DeclareOutcome.Accepted ok = assertInstanceOf(DeclareOutcome.Accepted.class,
                        declare(a, token(a, "alice.rig1"), good));
                assertEquals(0, ok.missingProvided());
                // someone else's declared job on a mining channel: refused; the owner's channel takes it
                try (Miner bob = miner(pool, "bob.rig1")) {
                    bob.client().send(good.customJob(bob.channel().channelId(), 5, ok.newMiningJobToken()));
                    assertEquals("invalid-mining-job-token",
                            bob.client().await(Sv2Mining.SetCustomMiningJobError.class).errorCode().text());
                }
                m.client().send(good.customJob(m.channel().channelId(), 6, ok.newMiningJobToken()));
                long jobId = m.client().await(Sv2Mining.SetCustomMiningJobSuccess.class).jobId();
                // shares on an unknown custom job id
                m.client().send(new Sv2Mining.SubmitSharesExtended(m.channel().channelId(), 1, jobId + 1000, 0,
                        good.ntime() & 0xffffffffL, good.version() & 0xffffffffL, Bytes.of(new byte[4]), Sv2Tlvs.NONE));
                assertEquals("invalid-job-id", m.client().await(Sv2Mining.SubmitSharesError.class).errorCode().text());

                // a flood of token requests closes that connection only
                try (JdClient flood = jdc(pool, true)) {
                    for (int i = 0; i < 40; i++) {
                        flood.allocateToken("alice.rig1");
                    }
                    flood.closed().get(10, TimeUnit.SECONDS);
                }
                assertTrue(a.isOpen() && b.isOpen());
                token(a, "alice.rig1");
                token(b, "alice.rig1");

                // Coinbase-only is refused under the default policy, naming the flag it needs
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> JdClient.connect(group, pool.pool().jdsAddress(),
                                pool.pool().authority().orElseThrow().publicKey(), false).get(20, TimeUnit.SECONDS));
                JdClientSession.SetupRefused refusal = assertInstanceOf(JdClientSession.SetupRefused.class, e.getCause());
                assertEquals("unsupported-feature-flags", refusal.code());
                assertEquals(1, refusal.flags());
            }
        }
    }

    @Test
    void coinbaseOnlyJobsUnderAPermissivePolicy(@TempDir Path dir) throws Exception {
        byte[] minerScript = script(Sv2MiningTest.newAddress());
        try (PoolHarness pool = startPool(dir, Map.of("jds.coinbase_only_min_share", "0.9",
                "jds.coinbase_only_fee_ceiling_sats", "100000"))) {
            PoolHarness.await(Duration.ofSeconds(30), () -> pool.pool().templates().current() != null, "a template");
            try (JdClient jdc = jdc(pool, false); Miner m = miner(pool, "carol.rig1")) {
                Bytes token = token(jdc, "carol.rig1");
                long value = SUBSIDY + 50_000; // claims 50,000 sat of fees: under the ceiling
                long poolShare = value / 100 * 95;
                DeclaredTemplate t = DeclaredTemplate.of(template(pool), List.of(),
                        List.of(new DeclaredTemplate.Out(poolShare, OPERATOR_SCRIPT),
                                new DeclaredTemplate.Out(value - poolShare, minerScript)), m.extranonceSize());
                long ch = m.channel().channelId();
                // a coinbase claiming more than subsidy + the fee ceiling is implausible
                DeclaredTemplate greedy = DeclaredTemplate.of(template(pool), List.of(),
                        List.of(new DeclaredTemplate.Out(SUBSIDY + 200_000, OPERATOR_SCRIPT)), m.extranonceSize());
                m.client().send(greedy.customJob(ch, 1, token));
                assertEquals("invalid-job-param-value-coinbase_tx_outputs",
                        m.client().await(Sv2Mining.SetCustomMiningJobError.class).errorCode().text());
                // under the policy's share (80 % < 90 %)
                DeclaredTemplate stingy = DeclaredTemplate.of(template(pool), List.of(),
                        List.of(new DeclaredTemplate.Out(SUBSIDY / 10 * 8, OPERATOR_SCRIPT),
                                new DeclaredTemplate.Out(SUBSIDY / 10 * 2, minerScript)), m.extranonceSize());
                m.client().send(stingy.customJob(ch, 2, token));
                assertEquals("invalid-job-param-value-coinbase_tx_outputs",
                        m.client().await(Sv2Mining.SetCustomMiningJobError.class).errorCode().text());

                m.client().send(t.customJob(ch, 3, token));
                long jobId = m.client().await(Sv2Mining.SetCustomMiningJobSuccess.class).jobId();
                byte[] clientPart = new byte[m.channel().extranonceSize()];
                int nonce = shareNonce(t, m.extranonce(clientPart));
                m.client().send(new Sv2Mining.SubmitSharesExtended(ch, 1, jobId, nonce & 0xffffffffL,
                        t.ntime() & 0xffffffffL, t.version() & 0xffffffffL, Bytes.of(clientPart), Sv2Tlvs.NONE));
                assertEquals(1, m.client().await(Sv2Mining.SubmitSharesSuccess.class).newSubmitsAcceptedCount());
                PoolHarness.await(Duration.ofSeconds(10), () -> !pool.pool().ledger().sharesFor("carol", 10).isEmpty(),
                        "the share in the ledger");
                ShareRecord share = pool.pool().ledger().sharesFor("carol", 10).get(0);
                assertEquals(0.95, share.revenueWeight(), 1e-9);
                assertEquals(ShareRecord.SOURCE_JD_COINBASE, share.templateSource());
            }
        }
    }

    /**
     * A hostile JD client keeps presenting one Coinbase-only token: it sets jobs while the token lives
     * (Coinbase-only has no declaration to consume it), and past its lifetime every further
     * SetCustomMiningJob is refused with invalid-mining-job-token, while the channel keeps mining the
     * job it already set and a fresh token works again.
     */
    @Test
    void aCoinbaseOnlyTokenSetsJobsUntilItExpiresAndIsRefusedAfter(@TempDir Path dir) throws Exception {
        byte[] minerScript = script(Sv2MiningTest.newAddress());
        try (PoolHarness pool = startPool(dir, Map.of("jds.coinbase_only_min_share", "0.9",
                "jds.coinbase_only_fee_ceiling_sats", "100000", "jds.token_lifetime_seconds", "3"))) {
            PoolHarness.await(Duration.ofSeconds(30), () -> pool.pool().templates().current() != null, "a template");
            try (JdClient jdc = jdc(pool, false); Miner m = miner(pool, "dave.rig1")) {
                Bytes token = token(jdc, "dave.rig1");
                long issued = System.nanoTime();
                DeclaredTemplate t = DeclaredTemplate.of(template(pool), List.of(),
                        List.of(new DeclaredTemplate.Out(SUBSIDY / 100 * 95, OPERATOR_SCRIPT),
                                new DeclaredTemplate.Out(SUBSIDY / 100 * 5, minerScript)), m.extranonceSize());
                long ch = m.channel().channelId();
                m.client().send(t.customJob(ch, 1, token));
                long jobId = m.client().await(Sv2Mining.SetCustomMiningJobSuccess.class).jobId();
                m.client().send(t.customJob(ch, 2, token));
                m.client().await(Sv2Mining.SetCustomMiningJobSuccess.class);
                assertTrue(System.nanoTime() - issued < Duration.ofSeconds(3).toNanos(),
                        "the machine was too slow to set both jobs within the token's lifetime");

                Thread.sleep(Duration.ofSeconds(3).plusMillis(300).toMillis()); // past the lifetime
                for (int request = 3; request < 6; request++) {
                    m.client().send(t.customJob(ch, request, token));
                    Sv2Mining.SetCustomMiningJobError e = m.client().await(Sv2Mining.SetCustomMiningJobError.class);
                    assertEquals(request, e.requestId());
                    assertEquals("invalid-mining-job-token", e.errorCode().text());
                }

                // the job set while the token lived is still mined, and a fresh token sets jobs again
                byte[] clientPart = new byte[m.channel().extranonceSize()];
                int nonce = shareNonce(t, m.extranonce(clientPart));
                m.client().send(new Sv2Mining.SubmitSharesExtended(ch, 1, jobId, nonce & 0xffffffffL,
                        t.ntime() & 0xffffffffL, t.version() & 0xffffffffL, Bytes.of(clientPart), Sv2Tlvs.NONE));
                assertEquals(1, m.client().await(Sv2Mining.SubmitSharesSuccess.class).newSubmitsAcceptedCount());
                m.client().send(t.customJob(ch, 6, token(jdc, "dave.rig1")));
                assertEquals(6, m.client().await(Sv2Mining.SetCustomMiningJobSuccess.class).requestId());
                PoolHarness.await(Duration.ofSeconds(10), () -> pool.pool().ledger().sharesFor("dave", 10).size() == 1,
                        "the one share in the ledger");
            }
        }
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

    /** A nonce whose header meets the network target (regtest: about every other hash). */
    static int blockNonce(DeclaredTemplate t, byte[] extranonce) {
        Target network = Target.fromCompact(t.nbits());
        for (int nonce = 0; nonce < 1_000_000; nonce++) {
            if (network.isMetBy(Sha256.hashTwice(t.header(extranonce, nonce)))) {
                return nonce;
            }
        }
        throw new AssertionError("no block nonce");
    }

    /** A nonce whose header does not solve the block (any hash is a share at the test's difficulty). */
    static int shareNonce(DeclaredTemplate t, byte[] extranonce) {
        Target network = Target.fromCompact(t.nbits());
        for (int nonce = 0; nonce < 1_000_000; nonce++) {
            if (!network.isMetBy(Sha256.hashTwice(t.header(extranonce, nonce)))) {
                return nonce;
            }
        }
        throw new AssertionError("no share nonce");
    }
}
