package org.templar.client.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.ChannelType;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import org.templar.payout.BlockStatus;
import org.templar.payout.ShareRecord;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.AuthorityPublicKey;
import org.templar.regtest.RegtestNode;

/**
 * The proxy's Stratum V2 downstream, solo (no pool): the pool's SV2 mining server on the proxy's
 * context, Noise-authenticated by the proxy's own authority key, with `templar mine` speaking SV2
 * behind it; and peers that are not SV2 miners at all.
 */
@Timeout(180)
class ProxySv2DownstreamTest {
    private static InetSocketAddress anyPort() {
        return new InetSocketAddress("127.0.0.1", 0);
    }

    private static MinerConfig sv2Miner(TemplarProxy proxy, String user) {
        return MinerConfig.of("stratum2+tcp://127.0.0.1:" + proxy.sv2Address().orElseThrow().getPort() + "/"
                + proxy.authority().orElseThrow().toBase58(), user).withThreads(1).withMaxReconnects(3)
                .withStatsInterval(Duration.ofSeconds(5));
    }

    @Test
    void anSv2MinerBehindTheProxyFindsABlockPayingTheSoloAddress(@TempDir Path dir) throws Exception {
        String solo = ProxySoloTest.newAddress();
        AuthorityPublicKey key;
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            try (TemplarProxy proxy = TemplarProxy.start(ProxySoloTest.config(node, solo, dir).withSv2Listen(anyPort()));
                    CpuMiner m = CpuMiner.start(sv2Miner(proxy, "shed.s21"))) {
                key = proxy.authority().orElseThrow();
                ProxySoloTest.await(Duration.ofSeconds(90), () -> node.chain().height() >= 1,
                        "the node accepts a block from the SV2 miner behind the proxy");
                assertEquals(5_000_000_000L, ProxySoloTest.paidTo(node, 1, solo),
                        "block 1's coinbase pays the whole subsidy to the solo address");
                ProxySoloTest.await(Duration.ofSeconds(10), () -> proxy.ledger().recentBlocks(10).stream()
                        .anyMatch(b -> b.status() == BlockStatus.ACCEPTED), "the proxy records the block as accepted");
                ProxySoloTest.await(Duration.ofSeconds(10), () -> !proxy.ledger().sharesFor("shed", 10).isEmpty(),
                        "the proxy records the miner's shares");
                ShareRecord share = proxy.ledger().sharesFor("shed", 10).get(0);
                assertTrue(share.channelId().startsWith("sv2-"), "judged by the SV2 server: " + share.channelId());
                assertEquals(1, proxy.downstreamConnections());
            }
            assertEquals(key, AuthorityKeyPair.load(AuthorityKeyPair.fileIn(dir)).publicKey(),
                    "the key the miner pinned is the one in the data directory");
            try (TemplarProxy again = TemplarProxy.start(ProxySoloTest.config(node, solo, dir).withSv2Listen(anyPort()))) {
                assertEquals(key, again.authority().orElseThrow(), "a restart keeps the key miners pinned");
            }
        }
    }

    @Test
    void withoutSv2ListenTheProxyHasNoSv2DownstreamAndNoKey(@TempDir Path dir) throws Exception {
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral());
                TemplarProxy proxy = TemplarProxy.start(ProxySoloTest.config(node, ProxySoloTest.newAddress(), dir))) {
            assertTrue(proxy.sv2Address().isEmpty());
            assertTrue(proxy.authority().isEmpty());
            assertTrue(Files.notExists(AuthorityKeyPair.fileIn(dir)), "no key is created for a listener that is off");
        }
    }

    /**
     * Garbage and a stalled handshake on the SV2 port: each connection is closed, the SV1 miner keeps
     * having shares accepted, and an SV2 miner still gets in afterwards.
     */
    @Test
    void peersFailingTheNoiseHandshakeAreDroppedAndDoNotHurtTheSv1Miners(@TempDir Path dir) throws Exception {
        String solo = ProxySoloTest.newAddress();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral());
                TemplarProxy proxy = TemplarProxy.start(ProxySoloTest.config(node, solo, dir).withSv2Listen(anyPort()));
                CpuMiner sv1 = CpuMiner.start(ProxySoloTest.miner(proxy, "rig.s19"))) {
            ProxySoloTest.await(Duration.ofSeconds(60), () -> sv1.snapshot().accepted() >= 1, "the SV1 miner has a share accepted");
            InetSocketAddress sv2 = proxy.sv2Address().orElseThrow();
            Random random = new Random(7);

            // Any 64 bytes are an ElligatorSwift key, so the proxy answers the first act; what follows is
            // not a frame encrypted with the keys agreed, and fails authentication.
            byte[] noise = new byte[16 * 1024];
            random.nextBytes(noise);
            assertClosedByProxy(sv2, noise, Duration.ofSeconds(10), "random bytes");
            // an SV1 miner pointed at the SV2 port by mistake
            assertClosedByProxy(sv2, ("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}\n"
                    + " ".repeat(200)).getBytes(java.nio.charset.StandardCharsets.US_ASCII), Duration.ofSeconds(10),
                    "an SV1 subscribe");
            // half a first act, then silence: dropped at the handshake timeout (10 s)
            assertClosedByProxy(sv2, new byte[20], Duration.ofSeconds(20), "a stalled handshake");

            long before = sv1.snapshot().accepted();
            ProxySoloTest.await(Duration.ofSeconds(60), () -> sv1.snapshot().accepted() >= before + 3,
                    "the SV1 miner keeps having shares accepted");
            assertTrue(sv1.isConnected(), "the SV1 miner was never disconnected");
            // on a standard channel (header-only): the other path through the SV2 server
            try (CpuMiner sv2Miner = CpuMiner.start(sv2Miner(proxy, "shed.s21").withChannelType(ChannelType.STANDARD))) {
                ProxySoloTest.await(Duration.ofSeconds(60), () -> sv2Miner.snapshot().accepted() >= 1,
                        "an SV2 miner still gets in and has a share accepted");
            }
        }
    }

    /** Sends {@code bytes} and waits, reading whatever comes back, until the proxy closes the connection. */
    private static void assertClosedByProxy(InetSocketAddress at, byte[] bytes, Duration within, String what)
            throws IOException {
        try (Socket s = new Socket()) {
            s.connect(at, 5_000);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException closedWhileWriting) {
                return; // the proxy already closed it (reset): what we wanted
            }
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            long end = System.nanoTime() + within.toNanos();
            while (System.nanoTime() < end) {
                try {
                    if (in.read(buf) < 0) {
                        return;
                    }
                } catch (SocketTimeoutException stillOpen) {
                    // keep waiting until the deadline
                } catch (IOException reset) {
                    return;
                }
            }
            throw new AssertionError("the proxy kept a connection open after " + what);
        }
    }
}
