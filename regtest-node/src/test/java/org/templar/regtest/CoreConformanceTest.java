package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.Coin;
import org.bitcoinj.base.SegwitAddress;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionOutPoint;
import org.bitcoinj.crypto.ECKey;
import org.bitcoinj.script.ScriptBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * Black-box conformance of the embedded node with Bitcoin Core, through its HTTP JSON-RPC and ZMQ
 * ports only. Blocks are assembled here from getblocktemplate, independently of the node's own
 * code, then one thing is changed and the answer compared with what Core answers for that change
 * (src/validation.cpp reject strings, src/rpc/mining.cpp submitblock/BIP22 results).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class CoreConformanceTest {
    /** Exact decimals, so that amounts are compared as Core prints them (8 decimal places). */
    private static final ObjectMapper JSON = new ObjectMapper()
            .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true))
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final String GENESIS = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";

    private RegtestNode node;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ECKey key = new ECKey();
    private final String address = SegwitAddress.fromHash(BitcoinNetwork.REGTEST, key.getPubKeyHash()).toBech32();
    private final byte[] payout = ScriptBuilder.createP2WPKHOutputScript(key).program();
    /** Mature coinbase outputs paying {@link #key}: txid and value, oldest first, each used once. */
    private final List<Object[]> coins = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        node = RegtestNode.start(new RegtestNode.Config("127.0.0.1", 0, "conf", "pw", 0, null));
        JsonNode hashes = call("generatetoaddress", 125, address);
        assertEquals(125, hashes.size());
        for (int h = 1; h <= 24; h++) {
            JsonNode cb = call("getblock", hashes.get(h - 1).asText(), 2).get("tx").get(0);
            coins.add(new Object[] {cb.get("txid").asText(), sats(cb.get("vout").get(0).get("value"))});
        }
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    // ------------------------------------------------------------------ RPC plumbing

    private HttpResponse<String> post(String body) throws Exception {
        String auth = Base64.getEncoder().encodeToString(
                (node.rpcUser() + ":" + node.rpcPassword()).getBytes(StandardCharsets.UTF_8));
        HttpRequest req = HttpRequest.newBuilder(node.rpcUri()).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Basic " + auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /** The whole reply object of a JSON-RPC 2.0 call (HTTP 200 whatever the outcome). */
    private JsonNode reply(String method, Object... params) throws Exception {
        String body = JSON.writeValueAsString(java.util.Map.of("jsonrpc", "2.0", "id", 1, "method", method,
                "params", Arrays.asList(params)));
        HttpResponse<String> r = post(body);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private JsonNode call(String method, Object... params) throws Exception {
        JsonNode r = reply(method, params);
        assertFalse(r.has("error") && !r.get("error").isNull(), method + " failed: " + r);
        return r.get("result");
    }

    private JsonNode error(String method, Object... params) throws Exception {
        JsonNode r = reply(method, params);
        assertTrue(r.has("error") && !r.get("error").isNull(), method + " should fail: " + r);
        return r.get("error");
    }

    private static long sats(JsonNode btc) {
        return btc.decimalValue().movePointRight(8).longValueExact();
    }

    private JsonNode template() throws Exception {
        return call("getblocktemplate", JSON.readTree("{\"rules\":[\"segwit\"]}"));
    }

    // ------------------------------------------------------------------ independent block assembly

    /** One block under construction from a template; tests change a field, then {@link #bytes()}. */
    private static final class Draft {
        int version;
        String prev;
        long time;
        long minTime;
        int bits;
        int height;
        long coinbaseValue;
        byte[] payout;
        byte[] scriptSigExtra = {0x00};
        byte[] commitment;
        byte[] witnessNonce = new byte[32];
        List<byte[]> txs = new ArrayList<>();
        boolean corruptMerkle;
        boolean solve = true;
        /** Set when transactions beyond the template's were added: the witness commitment is recomputed. */
        boolean recommit;

        Draft add(byte[]... extra) {
            txs.addAll(List.of(extra));
            recommit = true;
            return this;
        }

        /** BIP141 commitment output for the current transactions and the zero reserved value. */
        private byte[] commitmentFor(List<byte[]> all) {
            List<byte[]> wtxids = new ArrayList<>();
            wtxids.add(new byte[32]);
            for (byte[] tx : all.subList(1, all.size())) {
                wtxids.add(Transaction.read(ByteBuffer.wrap(tx)).getWTxId().getReversedBytes());
            }
            byte[] root = CoreEncodings.merkleRoot(wtxids);
            byte[] both = Arrays.copyOf(root, 64);
            byte[] commitment = Sha256Hash.hashTwice(both);
            byte[] script = Hex.decode("6a24aa21a9ed" + "00".repeat(32));
            System.arraycopy(commitment, 0, script, 6, 32);
            return script;
        }

        static Draft from(JsonNode t, byte[] payout) {
            Draft d = new Draft();
            d.version = t.get("version").asInt();
            d.prev = t.get("previousblockhash").asText();
            d.time = t.get("curtime").asLong();
            d.minTime = t.get("mintime").asLong();
            d.bits = (int) Long.parseLong(t.get("bits").asText(), 16);
            d.height = t.get("height").asInt();
            d.coinbaseValue = t.get("coinbasevalue").asLong();
            d.payout = payout;
            d.commitment = Hex.decode(t.get("default_witness_commitment").asText());
            for (JsonNode tx : t.get("transactions")) {
                d.txs.add(Hex.decode(tx.get("data").asText()));
            }
            return d;
        }

        byte[] coinbase() {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            byte[] push = CoreEncodings.heightPush(height);
            byte[] sig = Arrays.copyOf(push, push.length + scriptSigExtra.length);
            System.arraycopy(scriptSigExtra, 0, sig, push.length, scriptSigExtra.length);
            u32(o, 2);
            if (witnessNonce != null) {
                o.write(0);
                o.write(1);
            }
            o.write(1);
            o.writeBytes(new byte[32]);
            u32(o, 0xffffffffL);
            o.write(sig.length);
            o.writeBytes(sig);
            u32(o, 0xffffffffL);
            o.write(commitment == null ? 1 : 2);
            u64(o, coinbaseValue);
            o.write(payout.length);
            o.writeBytes(payout);
            if (commitment != null) {
                u64(o, 0);
                o.write(commitment.length);
                o.writeBytes(commitment);
            }
            if (witnessNonce != null) {
                o.write(1);
                o.write(witnessNonce.length);
                o.writeBytes(witnessNonce);
            }
            u32(o, 0);
            return o.toByteArray();
        }

        byte[] bytes() {
            if (recommit) {
                List<byte[]> withPlaceholder = new ArrayList<>();
                withPlaceholder.add(null);
                withPlaceholder.addAll(txs);
                commitment = commitmentFor(withPlaceholder);
            }
            List<byte[]> all = new ArrayList<>();
            all.add(coinbase());
            all.addAll(txs);
            List<byte[]> txids = new ArrayList<>();
            for (byte[] tx : all) {
                txids.add(Transaction.read(ByteBuffer.wrap(tx)).getTxId().getReversedBytes());
            }
            byte[] root = CoreEncodings.merkleRoot(txids);
            if (corruptMerkle) {
                root[0] ^= 1;
            }
            byte[] header = CoreEncodings.header(version, Hex.reverse(Hex.decode(prev)), root, (int) time, bits, 0);
            for (int nonce = 0; ; nonce++) {
                CoreEncodings.writeIntLe(header, 76, nonce);
                if (CoreEncodings.meetsTarget(CoreEncodings.headerHash(header), bits) == solve) {
                    break;
                }
            }
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(header);
            o.write(all.size()); // tests stay below 253 transactions
            all.forEach(o::writeBytes);
            return o.toByteArray();
        }

        static String hash(byte[] block) {
            return Hex.encode(Hex.reverse(CoreEncodings.headerHash(block)));
        }

        private static void u32(ByteArrayOutputStream o, long v) {
            for (int i = 0; i < 4; i++) {
                o.write((int) (v >>> (8 * i)) & 0xff);
            }
        }

        private static void u64(ByteArrayOutputStream o, long v) {
            for (int i = 0; i < 8; i++) {
                o.write((int) (v >>> (8 * i)) & 0xff);
            }
        }
    }

    // ------------------------------------------------------------------ chain and template shapes

    @Test
    void regtestGenesisAndChainInfo() throws Exception {
        assertEquals(GENESIS, call("getblockhash", 0).asText());
        JsonNode info = call("getblockchaininfo");
        assertEquals("regtest", info.get("chain").asText());
        assertEquals(call("getblockcount").asInt(), info.get("blocks").asInt());
        assertEquals(call("getbestblockhash").asText(), info.get("bestblockhash").asText());
        JsonNode genesis = call("getblockheader", GENESIS, true);
        assertEquals(0, genesis.get("height").asInt());
        assertEquals("207fffff", genesis.get("bits").asText());
        assertEquals(1296688602L, genesis.get("time").asLong());
        assertFalse(genesis.has("previousblockhash"));
        assertTrue(call("getnetworkinfo").get("version").isIntegralNumber());
        assertEquals(-8, error("getblockhash", 100000).get("code").asInt());
        assertEquals(-5, error("getblockheader", "00".repeat(32), true).get("code").asInt());
    }

    @Test
    void templateNeedsSegwitRuleAndHasCoreFields() throws Exception {
        JsonNode noRules = error("getblocktemplate", JSON.readTree("{}"));
        assertEquals(-8, noRules.get("code").asInt());
        assertTrue(noRules.get("message").asText().contains("segwit"), noRules.toString());

        JsonNode t = template();
        for (String f : List.of("version", "rules", "vbavailable", "vbrequired", "previousblockhash", "transactions",
                "coinbaseaux", "coinbasevalue", "longpollid", "target", "mintime", "mutable", "noncerange",
                "sigoplimit", "sizelimit", "weightlimit", "curtime", "bits", "height", "default_witness_commitment")) {
            assertTrue(t.has(f), "template lacks " + f + ": " + t);
        }
        assertTrue(t.get("rules").toString().contains("segwit"), t.get("rules").toString());
        assertEquals(call("getbestblockhash").asText(), t.get("previousblockhash").asText());
        assertEquals(call("getblockcount").asInt() + 1, t.get("height").asInt());
        assertEquals("207fffff", t.get("bits").asText());
        assertEquals("7fffff" + "0".repeat(58), t.get("target").asText());
        assertEquals("00000000ffffffff", t.get("noncerange").asText());
        assertEquals(4_000_000, t.get("weightlimit").asInt());
        assertEquals(80_000, t.get("sigoplimit").asInt());
        assertTrue(t.get("default_witness_commitment").asText().startsWith("6a24aa21a9ed"));
        assertTrue(t.get("curtime").asLong() >= t.get("mintime").asLong());
    }

    // ------------------------------------------------------------------ submitblock

    @Test
    void templateBlockIsAcceptedOnceThenDuplicate() throws Exception {
        byte[] block = Draft.from(template(), payout).bytes();
        int before = call("getblockcount").asInt();
        assertTrue(call("submitblock", Hex.encode(block)).isNull());
        assertEquals(before + 1, call("getblockcount").asInt());
        assertEquals(Draft.hash(block), call("getbestblockhash").asText());
        assertEquals("duplicate", call("submitblock", Hex.encode(block)).asText());
        assertEquals(Hex.encode(block), call("getblock", Draft.hash(block), 0).asText());
    }

    /** Submits a block changed by {@code change}; expects Core's reason and an unchanged tip. */
    private void expectReject(String reason, java.util.function.Consumer<Draft> change) throws Exception {
        Draft d = Draft.from(template(), payout);
        change.accept(d);
        String tip = call("getbestblockhash").asText();
        JsonNode r = call("submitblock", Hex.encode(d.bytes()));
        assertEquals(reason, r.asText(), "submitblock result");
        assertEquals(tip, call("getbestblockhash").asText(), "a rejected block must not move the tip");
    }

    @Test
    void highHash() throws Exception {
        expectReject("high-hash", d -> d.solve = false);
    }

    @Test
    void badMerkleRoot() throws Exception {
        expectReject("bad-txnmrklroot", d -> d.corruptMerkle = true);
    }

    @Test
    void coinbasePaysOneSatoshiTooMuch() throws Exception {
        expectReject("bad-cb-amount", d -> d.coinbaseValue += 1);
    }

    @Test
    void wrongBip34Height() throws Exception {
        expectReject("bad-cb-height", d -> d.height += 1);
    }

    @Test
    void witnessReservedValueOfWrongSize() throws Exception {
        expectReject("bad-witness-nonce-size", d -> d.witnessNonce = new byte[31]);
    }

    @Test
    void wrongWitnessCommitment() throws Exception {
        expectReject("bad-witness-merkle-match", d -> d.commitment[d.commitment.length - 1] ^= 1);
    }

    @Test
    void witnessWithoutCommitment() throws Exception {
        expectReject("unexpected-witness", d -> d.commitment = null);
    }

    @Test
    void unknownParent() throws Exception {
        expectReject("prev-blk-not-found", d -> d.prev = "11".repeat(32));
    }

    @Test
    void timeNotAfterMedianTimePast() throws Exception {
        // mintime is median-time-past + 1: a block at median-time-past itself is too old
        expectReject("time-too-old", d -> d.time = d.minTime - 1);
    }

    @Test
    void timeMoreThanTwoHoursAhead() throws Exception {
        expectReject("time-too-new", d -> d.time = System.currentTimeMillis() / 1000 + 2 * 3600 + 600);
    }

    @Test
    void wrongDifficultyBits() throws Exception {
        // a harder target than regtest's: the proof of work is valid for its own bits, the bits are not
        expectReject("bad-diffbits", d -> d.bits = 0x2000ffff);
    }

    @Test
    void coinbaseScriptSigTooLong() throws Exception {
        expectReject("bad-cb-length", d -> d.scriptSigExtra = new byte[100]);
    }

    @Test
    void negativeOutput() throws Exception {
        expectReject("bad-txns-vout-negative", d -> d.coinbaseValue = -1);
    }

    @Test
    void consensusInvalidBlockIsRememberedAsInvalid() throws Exception {
        Draft d = Draft.from(template(), payout);
        d.coinbaseValue += 1;
        byte[] bad = d.bytes();
        assertEquals("bad-cb-amount", call("submitblock", Hex.encode(bad)).asText());
        assertEquals("duplicate-invalid", call("submitblock", Hex.encode(bad)).asText());
        // a block building on it is refused as such, before any of its own content matters
        Draft child = Draft.from(template(), payout);
        child.prev = Draft.hash(bad);
        child.height += 1;
        child.time += 1;
        assertEquals("bad-prevblk", call("submitblock", Hex.encode(child.bytes())).asText());
    }

    @Test
    void competingBlockAtTipHeightIsInconclusive() throws Exception {
        JsonNode t = template();
        byte[] first = Draft.from(t, payout).bytes();
        assertTrue(call("submitblock", Hex.encode(first)).isNull());
        Draft rival = Draft.from(t, payout);
        rival.scriptSigExtra = new byte[] {0x01, 0x7f}; // a different coinbase, same parent
        byte[] second = rival.bytes();
        assertEquals("inconclusive", call("submitblock", Hex.encode(second)).asText());
        assertEquals(Draft.hash(first), call("getbestblockhash").asText(), "first seen stays the tip");
    }

    @Test
    void undecodableBlockIsDeserializationError() throws Exception {
        JsonNode e = error("submitblock", "00ff");
        assertEquals(-22, e.get("code").asInt());
        assertEquals("Block decode failed", e.get("message").asText());
    }

    // ------------------------------------------------------------------ proposals (BIP23)

    @Test
    void proposalAnswersLikeCore() throws Exception {
        Draft ok = Draft.from(template(), payout);
        ok.solve = false; // proposals are not mined: proof of work is not checked
        assertTrue(call("getblocktemplate", proposal(ok.bytes())).isNull());

        Draft badRoot = Draft.from(template(), payout);
        badRoot.corruptMerkle = true;
        assertEquals("bad-txnmrklroot", call("getblocktemplate", proposal(badRoot.bytes())).asText());

        Draft stale = Draft.from(template(), payout);
        stale.prev = GENESIS;
        stale.height = 1;
        assertEquals("inconclusive-not-best-prevblk", call("getblocktemplate", proposal(stale.bytes())).asText());
    }

    private static JsonNode proposal(byte[] block) {
        return JSON.createObjectNode().put("mode", "proposal").put("data", Hex.encode(block));
    }

    // ------------------------------------------------------------------ mempool and transactions

    private synchronized Object[] nextCoin() {
        return coins.remove(0);
    }

    @Test
    void spendOfMatureCoinbaseIsMinedFromTheTemplate() throws Exception {
        Object[] coin = nextCoin();
        long value = (Long) coin[1];
        long fee = 5_000;
        String raw = spend((String) coin[0], 0, value, payout, fee);
        String txid = call("sendrawtransaction", raw).asText();
        assertTrue(call("getrawmempool").toString().contains(txid));
        JsonNode entry = call("getmempoolentry", txid);
        assertEquals(fee, sats(entry.get("fees").get("base")));
        assertEquals(raw, call("getrawtransaction", txid).asText());

        JsonNode t = template();
        JsonNode listed = null;
        for (JsonNode tx : t.get("transactions")) {
            if (tx.get("txid").asText().equals(txid)) {
                listed = tx;
            }
        }
        assertNotNull(listed, "mempool transaction missing from template");
        assertEquals(fee, listed.get("fee").asLong());
        assertEquals(raw, listed.get("data").asText());
        Transaction parsed = Transaction.read(ByteBuffer.wrap(Hex.decode(raw)));
        assertEquals(parsed.getWTxId().toString(), listed.get("hash").asText(), "hash is the wtxid");
        assertEquals(parsed.getWeight(), listed.get("weight").asInt());
        assertEquals(1, listed.get("sigops").asInt(), "one P2WPKH input: sigop cost 1");
        long fees = 0;
        for (JsonNode tx : t.get("transactions")) {
            fees += tx.get("fee").asLong();
        }
        assertEquals((50_0000_0000L >> (t.get("height").asInt() / 150)) + fees, t.get("coinbasevalue").asLong());

        Draft d = Draft.from(t, payout);
        assertTrue(d.coinbaseValue >= 50_0000_0000L / 2 + fee, "coinbasevalue includes the fee");
        byte[] block = d.bytes();
        assertTrue(call("submitblock", Hex.encode(block)).isNull());
        assertFalse(call("getrawmempool").toString().contains(txid), "confirmed transactions leave the mempool");
        JsonNode confirmed = call("getrawtransaction", txid, true, Draft.hash(block));
        assertEquals(txid, confirmed.get("txid").asText());
        assertEquals(Draft.hash(block), confirmed.get("blockhash").asText());
        assertEquals(-27, error("sendrawtransaction", raw).get("code").asInt());
        // Core reports each non-coinbase transaction's fee in verbosity 2
        JsonNode inBlock = call("getblock", Draft.hash(block), 2).get("tx");
        for (JsonNode tx : inBlock) {
            if (tx.get("txid").asText().equals(txid)) {
                assertEquals(fee, sats(tx.get("fee")));
            }
        }
    }

    @Test
    void childOfMempoolTransactionDependsOnItInTheTemplate() throws Exception {
        Object[] coin = nextCoin();
        long value = (Long) coin[1];
        String parent = call("sendrawtransaction", spend((String) coin[0], 0, value, payout, 2_000)).asText();
        String child = call("sendrawtransaction", spend(parent, 0, value - 2_000, payout, 3_000)).asText();
        JsonNode txs = template().get("transactions");
        int parentIndex = -1;
        for (int i = 0; i < txs.size(); i++) {
            if (txs.get(i).get("txid").asText().equals(parent)) {
                parentIndex = i;
            }
            if (txs.get(i).get("txid").asText().equals(child)) {
                assertTrue(parentIndex >= 0, "parent must come before child");
                assertEquals("[" + (parentIndex + 1) + "]", txs.get(i).get("depends").toString());
            }
        }
        assertTrue(call("submitblock", Hex.encode(Draft.from(template(), payout).bytes())).isNull());
        assertEquals(0, call("getrawmempool").size());
    }

    @Test
    void mempoolRejectsLikeCore() throws Exception {
        // immature: the coinbase of the current tip
        JsonNode tipBlock = call("getblock", call("getbestblockhash").asText(), 2);
        JsonNode tipCb = tipBlock.get("tx").get(0);
        JsonNode immature = error("sendrawtransaction",
                spend(tipCb.get("txid").asText(), 0, sats(tipCb.get("vout").get(0).get("value")), payout, 1_000));
        assertEquals(-26, immature.get("code").asInt());
        assertTrue(immature.get("message").asText().startsWith("bad-txns-premature-spend-of-coinbase"), immature.toString());

        // unknown input
        assertEquals(-25, error("sendrawtransaction", spend("22".repeat(32), 0, 100_000, payout, 1_000))
                .get("code").asInt());

        Object[] coin = nextCoin();
        long value = (Long) coin[1];
        // no fee at all: Core v30+ requires 100 sat/kvB, rounded up (policy.h DEFAULT_MIN_RELAY_TX_FEE, EvaluateFeeUp)
        String freeRaw = spend((String) coin[0], 0, value, payout, 0);
        long vsize = Transaction.read(ByteBuffer.wrap(Hex.decode(freeRaw))).getVsize();
        JsonNode free = error("sendrawtransaction", freeRaw);
        assertEquals(-26, free.get("code").asInt());
        assertEquals("min relay fee not met, 0 < " + ((vsize * 100 + 999) / 1000), free.get("message").asText());
        assertEquals(new BigDecimal("0.00000100"), call("getnetworkinfo").get("relayfee").decimalValue());

        // double spend of an output a mempool transaction already spends
        call("sendrawtransaction", spend((String) coin[0], 0, value, payout, 1_000));
        byte[] other = ScriptBuilder.createP2WPKHOutputScript(new ECKey()).program();
        assertEquals(-26, error("sendrawtransaction", spend((String) coin[0], 0, value, other, 1_000))
                .get("code").asInt());

        JsonNode garbage = error("sendrawtransaction", "0011");
        assertEquals(-22, garbage.get("code").asInt());
        assertTrue(call("submitblock", Hex.encode(Draft.from(template(), payout).bytes())).isNull());
    }

    // ------------------------------------------------------------------ ZMQ

    @Test
    void hashblockPublishedForSubmittedAndGeneratedBlocks() throws Exception {
        // A node of its own, so that a subscription made right after start is what is exercised.
        RegtestNode shared = node;
        try (RegtestNode fresh = RegtestNode.start(new RegtestNode.Config("127.0.0.1", 0, "conf", "pw", 0, null));
             ZContext ctx = new ZContext()) {
            node = fresh;
            assertNotNull(node.zmqEndpoint());
            ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
            sub.setReceiveTimeOut(200);
            // jeromq's connecting side can leave its handshake hanging; a bounded handshake retries
            // (HashBlockPublisher's note; the pool's TipWatcher does the same)
            sub.setHandshakeIvl(1000);
            sub.connect(node.zmqEndpoint());
            sub.subscribe("hashblock".getBytes(ZMQ.CHARSET));
            // PUB drops messages until the subscription has reached it ("slow joiner"): mine until one
            // arrives (up to 30 s: a loaded 2-core machine can take a while)
            ZMsg primed = null;
            for (int i = 0; i < 150 && primed == null; i++) {
                call("generatetoaddress", 1, address);
                primed = ZMsg.recvMsg(sub);
            }
            assertNotNull(primed, "subscription never became active");
            sub.setReceiveTimeOut(100);
            while (ZMsg.recvMsg(sub) != null) {
                // drop notifications of the priming blocks
            }
            sub.setReceiveTimeOut(200);

            byte[] block = Draft.from(template(), payout).bytes();
            assertTrue(call("submitblock", Hex.encode(block)).isNull());
            assertEquals(Draft.hash(block), nextHash(sub));

            String generated = call("generatetoaddress", 1, address).get(0).asText();
            assertEquals(generated, nextHash(sub));
        } finally {
            node = shared;
        }
    }

    private static String nextHash(ZMQ.Socket sub) {
        for (int i = 0; i < 50; i++) {
            ZMsg m = ZMsg.recvMsg(sub);
            if (m != null) {
                assertEquals(3, m.size());
                assertEquals("hashblock", new String(m.pop().getData(), ZMQ.CHARSET));
                byte[] hash = m.pop().getData();
                assertEquals(4, m.pop().getData().length);
                return Hex.encode(hash);
            }
        }
        throw new AssertionError("no hashblock message");
    }

    // ------------------------------------------------------------------ restart

    @Test
    void restartWithDataDirectoryKeepsTheChain(@TempDir Path dir) throws Exception {
        RegtestNode.Config cfg = new RegtestNode.Config("127.0.0.1", 0, "conf", "pw", -1, dir);
        String best;
        try (RegtestNode first = RegtestNode.start(cfg)) {
            assertEquals(null, first.zmqEndpoint());
            first.generateToAddress(3, address);
            best = first.chain().tip().hash().toString();
        }
        try (RegtestNode second = RegtestNode.start(cfg)) {
            assertEquals(3, second.chain().height());
            assertEquals(best, second.chain().tip().hash().toString());
        }
    }

    // ------------------------------------------------------------------ HTTP and JSON-RPC envelope

    private HttpResponse<String> postAs(String body, String authorization, boolean chunkedAndLength) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.rpcUri()).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void authenticationIsRequired() throws Exception {
        HttpResponse<String> none = postAs("{\"method\":\"getblockcount\"}", null, false);
        assertEquals(401, none.statusCode());
        assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
        String bad = "Basic " + Base64.getEncoder().encodeToString("conf:wrong".getBytes(StandardCharsets.UTF_8));
        assertEquals(401, postAs("{\"method\":\"getblockcount\"}", bad, false).statusCode());
    }

    @Test
    void legacyEnvelopeStatusesAndBatch() throws Exception {
        HttpResponse<String> unknown = post("{\"jsonrpc\":\"1.0\",\"id\":\"x\",\"method\":\"nosuchmethod\",\"params\":[]}");
        assertEquals(404, unknown.statusCode());
        JsonNode u = JSON.readTree(unknown.body());
        assertEquals(-32601, u.get("error").get("code").asInt());
        assertTrue(u.get("result").isNull());
        assertEquals("x", u.get("id").asText());

        HttpResponse<String> malformed = post("{\"method\":");
        assertEquals(500, malformed.statusCode());
        assertEquals(-32700, JSON.readTree(malformed.body()).get("error").get("code").asInt());

        HttpResponse<String> outOfRange = post("{\"id\":1,\"method\":\"getblockhash\",\"params\":[99999]}");
        assertEquals(500, outOfRange.statusCode());
        assertEquals(-8, JSON.readTree(outOfRange.body()).get("error").get("code").asInt());

        HttpResponse<String> batch = post("[{\"id\":1,\"method\":\"getblockcount\"},{\"id\":2,\"method\":\"nosuch\"}]");
        assertEquals(200, batch.statusCode());
        JsonNode arr = JSON.readTree(batch.body());
        assertEquals(2, arr.size());
        assertEquals(call("getblockcount").asInt(), arr.get(0).get("result").asInt());
        assertEquals(-32601, arr.get(1).get("error").get("code").asInt());
    }

    @Test
    void chunkedBodyWithContentLengthIsRefused() throws Exception {
        String body = "{\"id\":1,\"method\":\"getblockcount\"}";
        String auth = Base64.getEncoder().encodeToString("conf:pw".getBytes(StandardCharsets.UTF_8));
        String req = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " + auth + "\r\n"
                + "Content-Length: " + body.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
        try (java.net.Socket sock = new java.net.Socket(node.rpcUri().getHost(), node.rpcUri().getPort())) {
            sock.setSoTimeout(5000);
            sock.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            assertNotNull(status);
            assertEquals("400", status.split(" ")[1], status);
        }
    }

    // ------------------------------------------------------------------ read-only RPC shapes

    @Test
    void blockVerbositiesAndAddressValidation() throws Exception {
        String hash = call("getblockhash", 1).asText();
        JsonNode v1 = call("getblock", hash, 1);
        assertEquals(1, v1.get("height").asInt());
        assertEquals(GENESIS, v1.get("previousblockhash").asText());
        assertTrue(v1.get("confirmations").asInt() >= 1);
        assertEquals(v1.get("nTx").asInt(), v1.get("tx").size());
        assertTrue(v1.get("tx").get(0).isTextual());
        assertTrue(v1.get("weight").asInt() > v1.get("strippedsize").asInt());
        JsonNode v2 = call("getblock", hash, 2);
        JsonNode cb = v2.get("tx").get(0);
        assertTrue(cb.get("vin").get(0).has("coinbase"));
        assertEquals(payoutHex(), cb.get("vout").get(0).get("scriptPubKey").get("hex").asText());
        assertEquals(address, cb.get("vout").get(0).get("scriptPubKey").get("address").asText());
        assertEquals(new BigDecimal("50.00000000"), cb.get("vout").get(0).get("value").decimalValue());
        String raw0 = call("getblock", hash, 0).asText();
        assertEquals(hash, Draft.hash(Hex.decode(raw0)));
        assertEquals(raw0.substring(0, 160), call("getblockheader", hash, false).asText());

        JsonNode valid = call("validateaddress", address);
        assertTrue(valid.get("isvalid").asBoolean());
        assertEquals(payoutHex(), valid.get("scriptPubKey").asText());
        assertTrue(valid.get("iswitness").asBoolean());
        assertFalse(call("validateaddress", "bc1qnotanaddress").get("isvalid").asBoolean());
        assertEquals(-5, error("generatetoaddress", 1, "notanaddress").get("code").asInt());
        assertEquals("regtest", call("getmininginfo").get("chain").asText());
    }

    private String payoutHex() {
        return Hex.encode(payout);
    }

    @Test
    void verboseMempoolAndResubmissionOfPooledTransaction() throws Exception {
        Object[] coin = nextCoin();
        String raw = spend((String) coin[0], 0, (Long) coin[1], payout, 4_000);
        String txid = call("sendrawtransaction", raw).asText();
        assertEquals(txid, call("sendrawtransaction", raw).asText(), "Core answers the txid of a pooled transaction");
        JsonNode verbose = call("getrawmempool", true);
        JsonNode e = verbose.get(txid);
        assertNotNull(e, verbose.toString());
        assertEquals(4_000, sats(e.get("fees").get("base")));
        assertTrue(e.get("vsize").asInt() > 100 && e.get("weight").asInt() > 400);
        assertTrue(e.get("depends").isArray());
        JsonNode decoded = call("getrawtransaction", txid, true);
        assertEquals(txid, decoded.get("txid").asText());
        assertEquals(raw, decoded.get("hex").asText());
        assertEquals(-5, error("getmempoolentry", "33".repeat(32)).get("code").asInt());
        assertTrue(call("submitblock", Hex.encode(Draft.from(template(), payout).bytes())).isNull());
    }

    // ------------------------------------------------------------------ transactions inside submitted blocks

    @Test
    void coinbaseWithoutWitnessGetsTheDefaultReservedValueLikeCore() throws Exception {
        // Core's submitblock runs UpdateUncommittedBlockStructures: a committing coinbase without
        // witness gets the all-zero reserved value, so such a block is valid.
        Object[] c = nextCoin();
        call("sendrawtransaction", spend((String) c[0], 0, (Long) c[1], payout, 2_000)); // a witness tx in the block
        Draft d = Draft.from(template(), payout);
        d.witnessNonce = null;
        byte[] block = d.bytes();
        // BIP23 proposals go through TestBlockValidity without that fill-in
        Draft unmined = Draft.from(template(), payout);
        unmined.witnessNonce = null;
        unmined.solve = false;
        assertEquals("bad-witness-nonce-size", call("getblocktemplate", proposal(unmined.bytes())).asText());
        assertTrue(call("submitblock", Hex.encode(block)).isNull());
        assertEquals(Draft.hash(block), call("getbestblockhash").asText());
        assertEquals(0, call("getrawmempool").size());
    }

    @Test
    void versionBelowFourIsObsolete() throws Exception {
        expectReject("bad-version(0x00000003)", d -> d.version = 3);
    }

    @Test
    void duplicatedLastTransactionIsMerkleMutation() throws Exception {
        Object[] a = nextCoin();
        Object[] b = nextCoin();
        byte[] txA = Hex.decode(spend((String) a[0], 0, (Long) a[1], payout, 1_000));
        byte[] txB = Hex.decode(spend((String) b[0], 0, (Long) b[1], payout, 1_000));
        // [cb, A, B, B] has the same merkle root as [cb, A, B] (CVE-2012-2459)
        expectReject("bad-txns-duplicate", d -> d.add(txA, txB, txB));
    }

    @Test
    void doubleSpendInsideABlock() throws Exception {
        Object[] c = nextCoin();
        byte[] one = Hex.decode(spend((String) c[0], 0, (Long) c[1], payout, 1_000));
        byte[] two = Hex.decode(spend((String) c[0], 0, (Long) c[1], payout, 2_000));
        expectReject("bad-txns-inputs-missingorspent", d -> d.add(one, two));
    }

    @Test
    void immatureCoinbaseSpendInsideABlock() throws Exception {
        JsonNode cb = call("getblock", call("getbestblockhash").asText(), 2).get("tx").get(0);
        byte[] tx = Hex.decode(spend(cb.get("txid").asText(), 0, sats(cb.get("vout").get(0).get("value")), payout, 1_000));
        expectReject("bad-txns-premature-spend-of-coinbase", d -> d.add(tx));
    }

    @Test
    void spendSignedByAnotherKeyInsideABlock() throws Exception {
        Object[] c = nextCoin();
        ECKey thief = new ECKey();
        byte[] stolen = Hex.decode(spendWith(thief, (String) c[0], (Long) c[1], payout, 1_000, 0, 0xffffffffL));
        Draft d = Draft.from(template(), payout);
        d.add(stolen);
        String r = call("submitblock", Hex.encode(d.bytes())).asText();
        assertTrue(r.contains("script-verify-flag-failed"), r);
        JsonNode e = error("sendrawtransaction", Hex.encode(stolen));
        assertEquals(-26, e.get("code").asInt());
    }

    @Test
    void nonFinalTransactionInsideABlock() throws Exception {
        Object[] c = nextCoin();
        long lockHeight = call("getblockcount").asLong() + 50;
        byte[] tx = Hex.decode(spendWith(key, (String) c[0], (Long) c[1], payout, 1_000, lockHeight, 0xfffffffeL));
        expectReject("bad-txns-nonfinal", d -> d.add(tx));
        JsonNode e = error("sendrawtransaction", Hex.encode(tx));
        assertEquals(-26, e.get("code").asInt());
        assertEquals("non-final", e.get("message").asText());
    }

    @Test
    void legacyP2pkhOutputsCanBeSpentFromTheMempool() throws Exception {
        Object[] c = nextCoin();
        long value = (Long) c[1];
        byte[] p2pkh = ScriptBuilder.createP2PKHOutputScript(key).program();
        String parent = call("sendrawtransaction", spend((String) c[0], 0, value, p2pkh, 1_000)).asText();
        Transaction child = new Transaction();
        child.setVersion(2);
        child.addOutput(Coin.valueOf(value - 3_000), org.bitcoinj.script.Script.parse(payout));
        child.addSignedInput(new TransactionOutPoint(0, Sha256Hash.wrap(parent)),
                ScriptBuilder.createP2PKHOutputScript(key), Coin.valueOf(value - 1_000), key);
        assertFalse(child.hasWitnesses(), "a P2PKH spend carries its signature in the scriptSig");
        String childId = call("sendrawtransaction", Hex.encode(child.serialize())).asText();
        assertEquals(2_000, sats(call("getmempoolentry", childId).get("fees").get("base")));
        assertTrue(call("submitblock", Hex.encode(Draft.from(template(), payout).bytes())).isNull());
        assertFalse(call("getrawmempool").toString().contains(childId));
    }

    @Test
    void spendingMoreThanTheInputIsRefused() throws Exception {
        Object[] c = nextCoin();
        JsonNode e = error("sendrawtransaction", spend((String) c[0], 0, (Long) c[1], payout, -1_000));
        assertEquals(-26, e.get("code").asInt());
        assertTrue(e.get("message").asText().startsWith("bad-txns-in-belowout"), e.toString());
    }

    @Test
    void coinbaseMaturityBoundaryIsExactlyOneHundredBlocks() throws Exception {
        int tip = call("getblockcount").asInt();
        // spent in block tip+1: a coinbase from tip-98 has 99 confirmations then, one from tip-99 has 100
        JsonNode young = call("getblock", call("getblockhash", tip - 98).asText(), 2).get("tx").get(0);
        JsonNode e = error("sendrawtransaction", spend(young.get("txid").asText(), 0,
                sats(young.get("vout").get(0).get("value")), payout, 1_000));
        assertEquals(-26, e.get("code").asInt());
        assertEquals("bad-txns-premature-spend-of-coinbase, tried to spend coinbase at depth 99", e.get("message").asText());
        JsonNode old = call("getblock", call("getblockhash", tip - 99).asText(), 2).get("tx").get(0);
        String ok = call("sendrawtransaction", spend(old.get("txid").asText(), 0,
                sats(old.get("vout").get(0).get("value")), payout, 1_000)).asText();
        assertEquals(64, ok.length());
        assertTrue(call("submitblock", Hex.encode(Draft.from(template(), payout).bytes())).isNull());
    }

    @Test
    void decoderawtransactionShowsTheTransactionAndRefusesWhatIsNotOne() throws Exception {
        Object[] c = nextCoin();
        String raw = spend((String) c[0], 0, (Long) c[1], payout, 4_000);
        JsonNode d = call("decoderawtransaction", raw);
        Transaction tx = Transaction.read(ByteBuffer.wrap(Hex.decode(raw)));
        assertEquals(tx.getTxId().toString(), d.get("txid").asText());
        assertEquals(tx.getWTxId().toString(), d.get("hash").asText());
        assertEquals(c[0], d.get("vin").get(0).get("txid").asText());
        assertEquals(1, d.get("vout").size());
        assertFalse(d.has("hex") || d.has("blockhash") || d.has("confirmations"), "no block fields: " + d);
        assertEquals(d, call("decoderawtransaction", raw, true), "iswitness true reads a witness transaction the same");
        // Core (rpc/rawtransaction.cpp): RPC_DESERIALIZATION_ERROR, "TX decode failed"
        for (String bad : List.of("zz", raw + "00", raw.substring(0, raw.length() - 2), "")) {
            JsonNode e = error("decoderawtransaction", bad);
            assertEquals(-22, e.get("code").asInt(), bad);
            assertEquals("TX decode failed", e.get("message").asText());
        }
        assertEquals(-3, error("decoderawtransaction", raw, "yes").get("code").asInt());
        assertTrue(call("getrawmempool").toString().indexOf(tx.getTxId().toString()) < 0, "decoding sends nothing");
    }

    @Test
    void absurdFeeIsRefusedBySendrawtransaction() throws Exception {
        Object[] c = nextCoin();
        // 1 BTC on ~110 vB is far above the default maxfeerate of 0.10 BTC/kvB
        JsonNode e = error("sendrawtransaction", spend((String) c[0], 0, (Long) c[1], payout, 1_0000_0000L));
        assertEquals(-25, e.get("code").asInt());
        assertTrue(e.get("message").asText().startsWith("Fee exceeds maximum"), e.toString());
    }

    @Test
    void bip34HeightOneIsOpOneNotAPushedByte() throws Exception {
        RegtestNode shared = node;
        try (RegtestNode fresh = RegtestNode.start(new RegtestNode.Config("127.0.0.1", 0, "conf", "pw", -1, null))) {
            node = fresh;
            JsonNode t = template();
            assertEquals(1, t.get("height").asInt());
            Draft pushed = Draft.from(t, payout);
            pushed.height = 0; // encodes as OP_0 ...
            pushed.scriptSigExtra = new byte[] {0x01, 0x01}; // ... followed by PUSH1 0x01: not Core's "CScript() << 1"
            assertEquals("bad-cb-height", call("submitblock", Hex.encode(pushed.bytes())).asText());
            byte[] good = Draft.from(t, payout).bytes(); // OP_1 OP_0
            assertTrue(call("submitblock", Hex.encode(good)).isNull());
            assertEquals(1, call("getblockcount").asInt());
        } finally {
            node = shared;
        }
    }

    @Test
    void longerBranchReorganizesAndReturnsDisconnectedTransactionsToTheMempool() throws Exception {
        Object[] c = nextCoin();
        String txid = call("sendrawtransaction", spend((String) c[0], 0, (Long) c[1], payout, 3_000)).asText();
        JsonNode t = template();
        byte[] tipBlock = Draft.from(t, payout).bytes(); // confirms txid
        assertTrue(call("submitblock", Hex.encode(tipBlock)).isNull());
        assertFalse(call("getrawmempool").toString().contains(txid));

        Draft rival = Draft.from(t, payout);
        rival.txs.clear();
        rival.recommit = true;
        rival.coinbaseValue = 50_0000_0000L >> (rival.height / 150); // subsidy only: no transactions
        rival.scriptSigExtra = new byte[] {0x01, 0x42};
        byte[] a = rival.bytes();
        assertEquals("inconclusive", call("submitblock", Hex.encode(a)).asText(), "equal work: first seen stays");

        Draft next = Draft.from(t, payout);
        next.txs.clear();
        next.recommit = true;
        next.prev = Draft.hash(a);
        next.height = t.get("height").asInt() + 1;
        next.time = t.get("curtime").asLong() + 1;
        next.coinbaseValue = 50_0000_0000L >> (next.height / 150);
        byte[] b = next.bytes();
        assertTrue(call("submitblock", Hex.encode(b)).isNull(), "more work: the node switches branch");
        assertEquals(Draft.hash(b), call("getbestblockhash").asText());
        assertEquals(Draft.hash(a), call("getblockhash", t.get("height").asInt()).asText());
        assertEquals(-1, call("getblockheader", Draft.hash(tipBlock), true).get("confirmations").asInt());
        assertTrue(call("getrawmempool").toString().contains(txid), "a disconnected transaction returns to the mempool");
        assertTrue(call("submitblock", Hex.encode(Draft.from(template(), payout).bytes())).isNull());
    }

    @Test
    void dustOutputIsNotStandard() throws Exception {
        Object[] c = nextCoin();
        long value = (Long) c[1];
        Transaction tx = new Transaction();
        tx.setVersion(2);
        tx.addOutput(Coin.valueOf(value - 10_000), org.bitcoinj.script.Script.parse(payout));
        tx.addOutput(Coin.valueOf(100), org.bitcoinj.script.Script.parse(payout)); // P2WPKH dust is < 294 sat
        tx.addSignedInput(new TransactionOutPoint(0, Sha256Hash.wrap((String) c[0])),
                ScriptBuilder.createP2WPKHOutputScript(key), Coin.valueOf(value), key);
        JsonNode e = error("sendrawtransaction", Hex.encode(tx.serialize()));
        assertEquals(-26, e.get("code").asInt());
        assertEquals("dust", e.get("message").asText());
    }

    @Test
    void blockMayConfirmATransactionTheNodeNeverSaw() throws Exception {
        Object[] c = nextCoin();
        String raw = spend((String) c[0], 0, (Long) c[1], payout, 2_000);
        String txid = Transaction.read(ByteBuffer.wrap(Hex.decode(raw))).getTxId().toString();
        Draft d = Draft.from(template(), payout).add(Hex.decode(raw));
        byte[] block = d.bytes();
        assertTrue(call("submitblock", Hex.encode(block)).isNull());
        assertEquals(Draft.hash(block), call("getrawtransaction", txid, true, Draft.hash(block)).get("blockhash").asText());
        // its output is now spendable
        String child = call("sendrawtransaction", spend(txid, 0, (Long) c[1] - 2_000, payout, 2_000)).asText();
        assertTrue(call("getrawmempool").toString().contains(child));
        assertTrue(call("submitblock", Hex.encode(Draft.from(template(), payout).bytes())).isNull());
    }

    @Test
    void longpollReturnsWhenTheTipChanges() throws Exception {
        JsonNode t = template();
        java.util.concurrent.CompletableFuture<JsonNode> waiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return call("getblocktemplate", JSON.createObjectNode().put("longpollid", t.get("longpollid").asText())
                        .set("rules", JSON.createArrayNode().add("segwit")));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertFalse(waiting.isDone(), "a longpoll on the current template waits for a change");
        String newTip = call("generatetoaddress", 1, address).get(0).asText();
        JsonNode fresh = waiting.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(newTip, fresh.get("previousblockhash").asText());
    }

    @Test
    void halfASatoshiPerVbyteIsEnoughForCoreV30Relay() throws Exception {
        Object[] c = nextCoin();
        String raw = spend((String) c[0], 0, (Long) c[1], payout, 1);
        long vsize = Transaction.read(ByteBuffer.wrap(Hex.decode(raw))).getVsize();
        String ok = spend((String) c[0], 0, (Long) c[1], payout, vsize / 2); // 0.5 sat/vB
        String txid = call("sendrawtransaction", ok).asText();
        assertTrue(call("getrawmempool").toString().contains(txid));
        assertTrue(call("submitblock", Hex.encode(Draft.from(template(), payout).bytes())).isNull());
    }

    @Test
    void subsidyHalvesEvery150Blocks() throws Exception {
        int tip = call("getblockcount").asInt();
        if (tip < 149) {
            call("generatetoaddress", 149 - tip, address);
        }
        JsonNode b149 = call("getblock", call("getblockhash", 149).asText(), 2).get("tx").get(0);
        assertEquals(new BigDecimal("50.00000000"), b149.get("vout").get(0).get("value").decimalValue());
        if (call("getblockcount").asInt() == 149) {
            JsonNode t = template();
            assertEquals(150, t.get("height").asInt());
            long fees = 0;
            for (JsonNode tx : t.get("transactions")) {
                fees += tx.get("fee").asLong();
            }
            assertEquals(25_0000_0000L + fees, t.get("coinbasevalue").asLong());
            Draft greedy = Draft.from(t, payout);
            greedy.coinbaseValue = 50_0000_0000L + fees;
            assertEquals("bad-cb-amount", call("submitblock", Hex.encode(greedy.bytes())).asText());
            call("generatetoaddress", 1, address);
        }
        JsonNode b150 = call("getblock", call("getblockhash", 150).asText(), 2).get("tx").get(0);
        long paid = sats(b150.get("vout").get(0).get("value"));
        assertTrue(paid >= 25_0000_0000L && paid < 26_0000_0000L, "block 150 pays 25 BTC plus fees: " + paid);
    }

    /** A P2WPKH spend of {@code txid:0} signed by {@code signer}, with the given lock time and sequence. */
    private static String spendWith(ECKey signer, String txid, long value, byte[] to, long fee, long lockTime,
                                    long sequence) {
        Transaction tx = new Transaction();
        tx.setVersion(2);
        tx.addInput(new org.bitcoinj.core.TransactionInput(tx, new byte[0],
                new TransactionOutPoint(0, Sha256Hash.wrap(txid)), Coin.valueOf(value)).withSequence(sequence));
        tx.setLockTime(lockTime);
        tx.addOutput(Coin.valueOf(value - fee), org.bitcoinj.script.Script.parse(to));
        org.bitcoinj.crypto.TransactionSignature sig = tx.calculateWitnessSignature(0, signer,
                ScriptBuilder.createP2PKHOutputScript(signer), Coin.valueOf(value), Transaction.SigHash.ALL, false);
        tx.replaceInput(0, tx.getInput(0).withWitness(org.bitcoinj.core.TransactionWitness.redeemP2WPKH(sig, signer)));
        return Hex.encode(tx.serialize());
    }

    /** Signed P2WPKH spend of {@code txid:0} (worth {@code value}) paying value - fee to {@code to}. */
    private String spend(String txid, long vout, long value, byte[] to, long fee) {
        Transaction tx = new Transaction();
        tx.setVersion(2);
        tx.addOutput(Coin.valueOf(value - fee), org.bitcoinj.script.Script.parse(to));
        tx.addSignedInput(new TransactionOutPoint(vout, Sha256Hash.wrap(txid)),
                ScriptBuilder.createP2WPKHOutputScript(key), Coin.valueOf(value), key);
        return Hex.encode(tx.serialize());
    }
}
