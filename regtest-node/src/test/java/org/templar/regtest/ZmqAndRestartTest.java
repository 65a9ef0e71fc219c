package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bitcoinj.base.Sha256Hash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/* ZMQ subscriptions join asynchronously (slow joiner): waits are bounded loops, generous under load. */
@Timeout(90)
class ZmqAndRestartTest {

    /** Receives one hashblock notification or fails after the timeout. */
    private static ZMsg receive(ZMQ.Socket sub) {
        ZMsg msg = ZMsg.recvMsg(sub);
        assertNotNull(msg, "no hashblock notification within the receive timeout");
        return msg;
    }

    @Test
    void hashblockAfterSubmitblockAndGeneratetoaddress() throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral()); ZContext ctx = new ZContext()) {
            assertTrue(node.zmqEndpoint().startsWith("tcp://127.0.0.1:"), node.zmqEndpoint());
            ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
            // jeromq's connecting side sometimes stalls before its greeting (jeromq PR #1022);
            // a short handshake interval makes it reconnect after 1 s instead of 30 s
            sub.setHandshakeIvl(1000);
            sub.setReceiveTimeOut(5000);
            sub.subscribe("hashblock".getBytes());
            sub.connect(node.zmqEndpoint());
            Rpc rpc = new Rpc(node);
            // PUB/SUB joins asynchronously: mine until the subscription is live (bounded)
            ZMsg first = null;
            sub.setReceiveTimeOut(200);
            for (int i = 0; i < 100 && first == null; i++) {
                rpc.call("generatetoaddress", 1, wallet.address());
                first = ZMsg.recvMsg(sub);
            }
            assertNotNull(first, "subscription never received a hashblock");
            sub.setReceiveTimeOut(5000);
            assertEquals(3, first.size());
            assertEquals("hashblock", first.popString());
            byte[] hash = first.pop().getData();
            byte[] seq = first.pop().getData();
            assertEquals(32, hash.length);
            assertEquals(4, seq.length);
            int firstSeq = (seq[0] & 0xff) | (seq[1] & 0xff) << 8 | (seq[2] & 0xff) << 16 | (seq[3] & 0xff) << 24;

            // generatetoaddress: the hash arrives in RPC (display) byte order, with the next sequence number
            String generated = rpc.call("generatetoaddress", 1, wallet.address()).get(0).asText();
            ZMsg m = receive(sub);
            assertEquals("hashblock", m.popString());
            assertEquals(generated, Hex.encode(m.pop().getData()));
            byte[] s2 = m.pop().getData();
            assertEquals(firstSeq + 1, s2[0] & 0xff | (s2[1] & 0xff) << 8);

            // submitblock of a GBT-built block
            JsonNode gbt = rpc.call("getblocktemplate", Map.of("rules", List.of("segwit")));
            RawBlock b = TemplateBlocks.solve(TemplateBlocks.build(gbt, TemplateBlocks.standardCoinbase(gbt, wallet.scriptPubKey())));
            assertTrue(rpc.call("submitblock", TemplateBlocks.hex(b)).isNull());
            ZMsg m2 = receive(sub);
            assertEquals("hashblock", m2.popString());
            assertArrayEquals(b.hash().getBytes(), m2.pop().getData());
            byte[] s3 = m2.pop().getData();
            assertEquals(firstSeq + 2, s3[0] & 0xff | (s3[1] & 0xff) << 8);
        }
    }

    @Test
    void restartWithTheSameDataDirectoryKeepsTheChain(@TempDir Path dir) {
        RegtestWallet wallet = RegtestWallet.random();
        Sha256Hash tip;
        String sideBranch;
        int height;
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, -1).withDataDir(dir))) {
            node.generateToAddress(105, wallet.address());
            Rpc rpc = new Rpc(node);
            String txid = rpc.call("sendrawtransaction",
                    wallet.payFromMatureCoinbase(node.chain(), wallet.address(), RegtestConsensus.COIN, 1_000)).asText();
            JsonNode gbt = rpc.call("getblocktemplate", Map.of("rules", List.of("segwit")));
            RawBlock b = TemplateBlocks.solve(TemplateBlocks.build(gbt, TemplateBlocks.standardCoinbase(gbt, wallet.scriptPubKey())));
            assertTrue(rpc.call("submitblock", TemplateBlocks.hex(b)).isNull());
            assertTrue(rpc.call("getrawtransaction", txid, true).get("confirmations").asInt() == 1);
            // and a side-branch sibling of the tip
            TemplateBlocks.Coinbase c = TemplateBlocks.standardCoinbase(gbt, RegtestWallet.random().scriptPubKey());
            RawBlock sib = TemplateBlocks.solve(TemplateBlocks.build(gbt, c));
            assertEquals("inconclusive", rpc.call("submitblock", TemplateBlocks.hex(sib)).asText());
            sideBranch = sib.hash().toString();
            tip = node.chain().tipHash();
            height = node.chain().height();
        }
        try (RegtestNode again = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, -1).withDataDir(dir))) {
            assertEquals(height, again.chain().height());
            assertEquals(tip, again.chain().tipHash());
            Rpc rpc = new Rpc(again);
            assertEquals(tip.toString(), rpc.call("getbestblockhash").asText());
            assertEquals(-1, rpc.call("getblockheader", sideBranch).get("confirmations").asInt());
            // the UTXO set came back too: the wallet can still spend and the chain keeps growing
            String txid = rpc.call("sendrawtransaction",
                    wallet.payFromMatureCoinbase(again.chain(), wallet.address(), RegtestConsensus.COIN, 1_000)).asText();
            assertEquals(64, txid.length());
            again.generateToAddress(1, wallet.address());
            assertEquals(height + 1, again.chain().height());
        }
        try (RegtestNode third = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, -1).withDataDir(dir))) {
            assertEquals(height + 1, third.chain().height());
        }
    }

    @Test
    void aTakenPortIsAClearStartFailure() {
        try (RegtestNode first = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            int rpcPort = first.rpcUri().getPort();
            String zmq = first.zmqEndpoint();
            int zmqPort = Integer.parseInt(zmq.substring(zmq.lastIndexOf(':') + 1));
            RuntimeException rpcTaken = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(rpcPort, -1)));
            assertNotNull(rpcTaken);
            RuntimeException zmqTaken = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, zmqPort)));
            assertTrue(zmqTaken.getMessage().contains("ZMQ"), zmqTaken.getMessage());
            // the first node is unaffected
            assertEquals(0, new Rpc(first).call("getblockcount").asInt());
        }
    }

    @Test
    void ipv6LoopbackWorksForRpcAndZmq() {
        boolean ipv6;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("::1"))) {
            ipv6 = true;
        } catch (java.io.IOException e) {
            ipv6 = false;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(ipv6, "no IPv6 loopback on this machine");
        try (RegtestNode node = RegtestNode.start(new RegtestNode.Config("::1", 0, "u", "p", 0, null)); ZContext ctx = new ZContext()) {
            assertTrue(node.rpcUri().toString().startsWith("http://[::1]:"), node.rpcUri().toString());
            assertTrue(node.zmqEndpoint().startsWith("tcp://[::1]:"), node.zmqEndpoint());
            assertEquals(0, new Rpc(node).call("getblockcount").asInt());
            ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
            sub.setIPv6(true);
            sub.setHandshakeIvl(1000);
            sub.setReceiveTimeOut(200);
            sub.subscribe("hashblock".getBytes());
            sub.connect(node.zmqEndpoint());
            ZMsg got = null;
            for (int i = 0; i < 100 && got == null; i++) {
                node.generateToAddress(1, RegtestWallet.random().address());
                got = ZMsg.recvMsg(sub);
            }
            assertNotNull(got, "no hashblock over IPv6");
            assertEquals("hashblock", got.popString());
        }
    }

    @Test
    void closeIsIdempotentAndReleasesThePorts() throws Exception {
        RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral());
        int rpcPort = node.rpcUri().getPort();
        String zmq = node.zmqEndpoint();
        node.close();
        node.close();
        int zmqPort = Integer.parseInt(zmq.substring(zmq.lastIndexOf(':') + 1));
        try (RegtestNode again = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(rpcPort, zmqPort))) {
            assertEquals(rpcPort, again.rpcUri().getPort());
            assertEquals(zmq, again.zmqEndpoint());
        }
    }
}
