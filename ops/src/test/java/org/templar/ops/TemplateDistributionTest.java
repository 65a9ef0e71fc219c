package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.bitcoinj.base.Address;
import org.bitcoinj.base.AddressParser;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.script.ScriptBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.CoinbaseOutputConstraints;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.NewTemplate;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.RequestTransactionData;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.RequestTransactionDataError;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.RequestTransactionDataSuccess;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.SetNewPrevHash;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.SubmitSolution;
import org.templar.regtest.RegtestWallet;

/**
 * Templar as a Template Distribution provider (`tdp.listen`): a client written here from the spec
 * takes a template holding a mempool transaction, asks for its transactions, builds its own coinbase
 * around the template's prefix and outputs, grinds a nonce, submits the solution, and the node holds
 * the block, paying the client's address; then the client is told of the new tip at once.
 */
@Timeout(180)
class TemplateDistributionTest {

    @Test
    void aClientMinesABlockFromTheProvidersTemplate(@TempDir Path dir) throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        String payTo = SoloAndPoolMiningTest.newAddress();
        Map<String, String> cfg = Map.of("tdp.listen", "127.0.0.1:0", "sv2.listen", "off",
                "sv2.authority_key_file", dir.resolve("authority.key").toString());
        try (PoolHarness pool = PoolHarness.start(dir, cfg)) {
            var node = pool.pool().embeddedNode().orElseThrow();
            node.generateToAddress(101, wallet.address());
            long fee = 20_000;
            String raw = wallet.payFromMatureCoinbase(node.chain(), SoloAndPoolMiningTest.newAddress(), 700_000_000L, fee);
            String txid = pool.rpc("sendrawtransaction", raw).asText();
            PoolHarness.await(Duration.ofSeconds(40), () -> {
                var t = pool.pool().templates().current();
                if (t != null && t.blockTemplate().transactions().isEmpty()) {
                    pool.pool().templates().refresh();
                }
                return t != null && t.blockTemplate().transactions().size() == 1;
            }, "the transaction reaches the node's template");
            int height = pool.height();

            try (Sv2TestClient client = new Sv2TestClient(pool.pool().tdpAddress(),
                    pool.pool().authority().orElseThrow().publicKey())) {
                client.send(Sv2TestClient.setup(Sv2Common.SetupConnection.PROTOCOL_TEMPLATE_DISTRIBUTION, 2, 2, 0));
                client.await(Sv2Common.SetupConnectionSuccess.class);
                client.send(new CoinbaseOutputConstraints(64, 0));
                NewTemplate template = client.await(NewTemplate.class);
                SetNewPrevHash prev = client.await(SetNewPrevHash.class);
                assertTrue(template.futureTemplate(), "the first template comes as a future one");
                assertEquals(template.templateId(), prev.templateId(), "and SetNewPrevHash activates it");
                long subsidy = 5_000_000_000L >> ((height + 1) / 150);
                assertEquals(subsidy + fee, template.coinbaseTxValueRemaining());
                assertEquals(1, template.merklePath().size());
                assertEquals(txid, Sha256Hash.wrapReversed(template.merklePath().get(0).toArray()).toString());
                assertEquals(1, template.coinbaseTxOutputsCount(), "the witness commitment");
                assertEquals(pool.rpc("getbestblockhash").asText(),
                        Sha256Hash.wrapReversed(prev.prevHash().toArray()).toString());

                client.send(new RequestTransactionData(template.templateId()));
                RequestTransactionDataSuccess data = client.await(RequestTransactionDataSuccess.class);
                assertEquals(1, data.transactionList().size());
                assertEquals(raw, data.transactionList().get(0).toHex());
                client.send(new RequestTransactionData(template.templateId() + 1000));
                assertEquals("template-id-not-found",
                        client.await(RequestTransactionDataError.class).errorCode().toString());

                // the client's own coinbase: prefix from the template, its payout, then the template's outputs
                Address address = AddressParser.getDefault(BitcoinNetwork.REGTEST).parseAddress(payTo);
                byte[] payout = ScriptBuilder.createOutputScript(address).program();
                byte[] coinbase = coinbase(template, "tdp-client".getBytes(), payout);
                byte[] coinbaseTxid = Transaction.read(ByteBuffer.wrap(coinbase)).getTxId().getReversedBytes();
                byte[] root = Sha256Hash.hashTwice(concat(coinbaseTxid, template.merklePath().get(0).toArray()));
                long nonce = grind(template, prev, root);

                client.send(new SubmitSolution(template.templateId(), template.version(), prev.headerTimestamp(), nonce,
                        Bytes.of(coinbase)));
                PoolHarness.await(Duration.ofSeconds(30), () -> {
                    try {
                        return pool.height() == height + 1;
                    } catch (Exception e) {
                        return false;
                    }
                }, "the node accepts the block built from the solution");
                JsonNode block = pool.rpc("getblock", pool.rpc("getbestblockhash").asText(), 2);
                assertEquals(2, block.get("tx").size());
                assertEquals(txid, block.get("tx").get(1).get("txid").asText(), "the template's transaction is in it");
                JsonNode out0 = block.get("tx").get(0).get("vout").get(0);
                assertEquals(payTo, out0.get("scriptPubKey").get("address").asText());
                assertEquals(subsidy + fee, Math.round(out0.get("value").asDouble() * 1e8));

                // the new tip reaches the client without asking: a future template and its SetNewPrevHash
                SetNewPrevHash next;
                do {
                    next = client.await(SetNewPrevHash.class);
                } while (next.prevHash().equals(prev.prevHash()));
                assertEquals(block.get("hash").asText(), Sha256Hash.wrapReversed(next.prevHash().toArray()).toString());
                assertFalse(client.awaitClosed(Duration.ofMillis(200)), "the connection stays open");
            }
            // a client that sends solutions that are no blocks is dropped (each would cost a check and a log line)
            try (Sv2TestClient liar = new Sv2TestClient(pool.pool().tdpAddress(),
                    pool.pool().authority().orElseThrow().publicKey())) {
                liar.send(Sv2TestClient.setup(Sv2Common.SetupConnection.PROTOCOL_TEMPLATE_DISTRIBUTION, 2, 2, 0));
                liar.await(Sv2Common.SetupConnectionSuccess.class);
                liar.send(new CoinbaseOutputConstraints(64, 0));
                NewTemplate t = liar.await(NewTemplate.class);
                liar.send(new SubmitSolution(t.templateId(), t.version(), 0, 0, Bytes.of(new byte[] {1, 2, 3})));
                assertTrue(liar.awaitClosed(Duration.ofSeconds(10)), "a coinbase that is not a transaction closes it");
            }
            try (Sv2TestClient liar = new Sv2TestClient(pool.pool().tdpAddress(),
                    pool.pool().authority().orElseThrow().publicKey())) {
                liar.send(Sv2TestClient.setup(Sv2Common.SetupConnection.PROTOCOL_TEMPLATE_DISTRIBUTION, 2, 2, 0));
                liar.await(Sv2Common.SetupConnectionSuccess.class);
                liar.send(new CoinbaseOutputConstraints(64, 0));
                NewTemplate t = liar.await(NewTemplate.class);
                liar.send(new SubmitSolution(t.templateId() + 1000, t.version(), 0, 0, Bytes.of(new byte[] {1})));
                assertTrue(liar.awaitClosed(Duration.ofSeconds(10)), "a template id it was never sent closes it");
            }
            assertEquals(height + 1, pool.height(), "and nothing reached the node");
        }
    }

    @Test
    void aClientThatNeedsTheWholeBlockForItsOutputsGetsATemplateWithoutTransactions(@TempDir Path dir)
            throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        String payTo = SoloAndPoolMiningTest.newAddress();
        Map<String, String> cfg = Map.of("tdp.listen", "127.0.0.1:0", "sv2.listen", "off",
                "sv2.authority_key_file", dir.resolve("authority.key").toString());
        try (PoolHarness pool = PoolHarness.start(dir, cfg)) {
            var node = pool.pool().embeddedNode().orElseThrow();
            node.generateToAddress(101, wallet.address());
            long fee = 15_000;
            pool.rpc("sendrawtransaction", wallet.payFromMatureCoinbase(node.chain(), SoloAndPoolMiningTest.newAddress(),
                    300_000_000L, fee));
            PoolHarness.await(Duration.ofSeconds(40), () -> {
                var t = pool.pool().templates().current();
                if (t != null && t.blockTemplate().transactions().isEmpty()) {
                    pool.pool().templates().refresh();
                }
                return t != null && t.blockTemplate().transactions().size() == 1;
            }, "the transaction reaches the node's template");
            int height = pool.height();
            try (Sv2TestClient client = new Sv2TestClient(pool.pool().tdpAddress(),
                    pool.pool().authority().orElseThrow().publicKey())) {
                client.send(Sv2TestClient.setup(Sv2Common.SetupConnection.PROTOCOL_TEMPLATE_DISTRIBUTION, 2, 2, 0));
                client.await(Sv2Common.SetupConnectionSuccess.class);
                // outputs as big as a block: nothing else fits
                client.send(new CoinbaseOutputConstraints(999_900, 0));
                NewTemplate template = client.await(NewTemplate.class);
                SetNewPrevHash prev = client.await(SetNewPrevHash.class);
                long subsidy = 5_000_000_000L >> ((height + 1) / 150);
                assertEquals(0, template.merklePath().size(), "the transaction is left out");
                assertEquals(subsidy, template.coinbaseTxValueRemaining(), "and so is its fee");
                assertEquals(1, template.coinbaseTxOutputsCount(), "a witness commitment, now for no transaction");
                client.send(new RequestTransactionData(template.templateId()));
                assertEquals(0, client.await(RequestTransactionDataSuccess.class).transactionList().size());

                Address address = AddressParser.getDefault(BitcoinNetwork.REGTEST).parseAddress(payTo);
                byte[] coinbase = coinbase(template, "big".getBytes(), ScriptBuilder.createOutputScript(address).program());
                byte[] root = Transaction.read(ByteBuffer.wrap(coinbase)).getTxId().getReversedBytes();
                long nonce = grind(template, prev, root);
                client.send(new SubmitSolution(template.templateId(), template.version(), prev.headerTimestamp(), nonce,
                        Bytes.of(coinbase)));
                PoolHarness.await(Duration.ofSeconds(30), () -> {
                    try {
                        return pool.height() == height + 1;
                    } catch (Exception e) {
                        return false;
                    }
                }, "the node accepts the block: its recomputed witness commitment is right");
                JsonNode block = pool.rpc("getblock", pool.rpc("getbestblockhash").asText(), 1);
                assertEquals(1, block.get("tx").size());
                assertEquals(1, pool.rpc("getrawmempool").size(), "the left-out transaction waits in the mempool");
            }
        }
    }

    @Test
    void aTemplatesTransactionsAreAnsweredEvenWhenTheyOutweighTheMinersOutboundCap(@TempDir Path dir)
            throws Exception {
        // the smallest cap miners may be given, and a template whose transaction data is larger than it
        Map<String, String> cfg = Map.of("tdp.listen", "127.0.0.1:0", "sv2.listen", "off",
                "limits.outbound_cap_bytes", "65536", "sv2.authority_key_file", dir.resolve("authority.key").toString());
        RegtestWallet wallet = RegtestWallet.random();
        int txs = 340;
        try (PoolHarness pool = PoolHarness.start(dir, cfg)) {
            var node = pool.pool().embeddedNode().orElseThrow();
            node.generateToAddress(100 + txs, wallet.address());
            long bytes = 0;
            for (int i = 0; i < txs; i++) {
                String raw = wallet.payFromMatureCoinbase(node.chain(), SoloAndPoolMiningTest.newAddress(), 100_000_000L,
                        1_000 + i);
                pool.rpc("sendrawtransaction", raw);
                bytes += raw.length() / 2;
            }
            assertTrue(bytes > 65536, "the answer is bigger than the cap: " + bytes);
            PoolHarness.await(Duration.ofSeconds(40), () -> {
                var t = pool.pool().templates().current();
                if (t != null && t.blockTemplate().transactions().size() < txs) {
                    pool.pool().templates().refresh();
                }
                return t != null && t.blockTemplate().transactions().size() == txs;
            }, "every transaction reaches the node's template");
            try (Sv2TestClient client = new Sv2TestClient(pool.pool().tdpAddress(),
                    pool.pool().authority().orElseThrow().publicKey())) {
                client.send(Sv2TestClient.setup(Sv2Common.SetupConnection.PROTOCOL_TEMPLATE_DISTRIBUTION, 2, 2, 0));
                client.await(Sv2Common.SetupConnectionSuccess.class);
                client.send(new CoinbaseOutputConstraints(64, 0));
                NewTemplate template = client.await(NewTemplate.class);
                client.send(new RequestTransactionData(template.templateId()));
                assertEquals(txs, client.await(RequestTransactionDataSuccess.class).transactionList().size());
                assertFalse(client.awaitClosed(Duration.ofMillis(300)), "an honest client that reads is kept");
            }
        }
    }

    /** version 2, marker+flag, one null-prevout input, our output and the template's, witness, locktime. */
    private static byte[] coinbase(NewTemplate t, byte[] extra, byte[] payoutScript) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        le32(o, t.coinbaseTxVersion());
        o.write(0);
        o.write(1);
        o.write(1);
        o.writeBytes(new byte[32]);
        le32(o, 0xFFFF_FFFFL);
        byte[] prefix = t.coinbasePrefix().toArray();
        o.write(prefix.length + 1 + extra.length);
        o.writeBytes(prefix);
        o.write(extra.length);
        o.writeBytes(extra);
        le32(o, t.coinbaseTxInputSequence());
        o.write((int) (1 + t.coinbaseTxOutputsCount()));
        le64(o, t.coinbaseTxValueRemaining());
        o.write(payoutScript.length);
        o.writeBytes(payoutScript);
        o.writeBytes(t.coinbaseTxOutputs().toArray());
        o.write(1);
        o.write(32);
        o.writeBytes(new byte[32]);
        le32(o, t.coinbaseTxLocktime());
        return o.toByteArray();
    }

    private static long grind(NewTemplate t, SetNewPrevHash p, byte[] merkleRoot) {
        byte[] target = p.target().toArray();
        for (long nonce = 0; nonce < 1L << 32; nonce++) {
            ByteBuffer h = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt((int) t.version()).put(p.prevHash().toArray()).put(merkleRoot).putInt((int) p.headerTimestamp())
                    .putInt((int) p.nBits()).putInt((int) nonce);
            byte[] hash = Sha256Hash.hashTwice(h.array());
            if (lessOrEqualLittleEndian(hash, target)) {
                return nonce;
            }
        }
        throw new AssertionError("no nonce meets the regtest target");
    }

    private static boolean lessOrEqualLittleEndian(byte[] a, byte[] b) {
        for (int i = 31; i >= 0; i--) {
            int x = a[i] & 0xff;
            int y = b[i] & 0xff;
            if (x != y) {
                return x < y;
            }
        }
        return true;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void le32(ByteArrayOutputStream o, long v) {
        for (int i = 0; i < 4; i++) {
            o.write((int) (v >>> (8 * i)));
        }
    }

    private static void le64(ByteArrayOutputStream o, long v) {
        for (int i = 0; i < 8; i++) {
            o.write((int) (v >>> (8 * i)));
        }
    }
}
