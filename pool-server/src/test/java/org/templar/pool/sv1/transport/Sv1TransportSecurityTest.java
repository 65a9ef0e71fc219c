package org.templar.pool.sv1.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.BanList;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.pool.core.PayoutMode;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.PoolMetrics;
import org.templar.pool.core.VardiffSettings;
import org.templar.pool.sv1.session.Sv1Settings;
import org.templar.pool.transport.TlsFiles;
import org.templar.pool.transport.TrustedProxies;

/**
 * The SV1 listeners over real loopback sockets: TLS with the JDK's own TLS client, and PROXY protocol
 * v1/v2 headers from trusted and untrusted sources.
 */
class Sv1TransportSecurityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADDRESS = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
    private static final String SUBSCRIBE = "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"test/1\"]}\n";
    private static final String AUTHORIZE = "{\"id\":2,\"method\":\"mining.authorize\",\"params\":[\"" + ADDRESS + ".rig\",\"x\"]}\n";

    @TempDir
    Path dir;

    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final BanList bans = new BanList();
    private Sv1Server server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Sv1Server newServer() {
        PoolContext ctx = new PoolContext(new Authorizer(BitcoinNetwork.REGTEST, PayoutMode.SOLO, Optional.empty()),
                new ExtranonceAllocator(), null, () -> null, VardiffSettings.regtest(), 0x1fffe000, PoolMetrics.NONE, bans);
        server = new Sv1Server(ctx, Sv1Settings.defaults(), 16384, 600);
        return server;
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    private static Socket plain(InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        s.connect(to, 5000);
        s.setSoTimeout(5000);
        return s;
    }

    /** The next JSON line, or null when the server closed the connection. */
    private static JsonNode readReply(BufferedReader in) throws IOException {
        try {
            String line = in.readLine();
            return line == null ? null : JSON.readTree(line);
        } catch (SocketException reset) {
            return null;
        }
    }

    /** Reads replies until the one with {@code id} (notifications may come between). */
    private static JsonNode reply(BufferedReader in, int id) throws IOException {
        for (int i = 0; i < 20; i++) {
            JsonNode n = readReply(in);
            if (n == null) {
                return null;
            }
            if (n.path("id").asInt(-1) == id) {
                return n;
            }
        }
        throw new AssertionError("no reply with id " + id);
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void send(Socket s, byte[]... parts) throws IOException {
        OutputStream out = s.getOutputStream();
        for (byte[] p : parts) {
            out.write(p);
        }
        out.flush();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A PROXY v2 header (PROXY command, TCP over IPv4). */
    private static byte[] v2Header(String source, int sourcePort, String destination, int destinationPort) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + 12);
        b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.put((byte) 0x21).put((byte) 0x11).putShort((short) 12);
        b.put(InetAddress.getByName(source).getAddress()).put(InetAddress.getByName(destination).getAddress());
        b.putShort((short) sourcePort).putShort((short) destinationPort);
        return b.array();
    }

    private SSLContext trusting(Path certFile) throws Exception {
        X509Certificate cert;
        try (var in = Files.newInputStream(certFile)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setCertificateEntry("pool", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void tlsClientSubscribesAndAuthorizesAndPlaintextIsRefused() throws Exception {
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        assertTrue(TlsFiles.ensureSelfSigned(cert, key, "templar test"));
        assertFalse(TlsFiles.ensureSelfSigned(cert, key, "templar test"), "an existing pair is kept");
        newServer().start(group, group, loopback());
        InetSocketAddress tls = server.startTls(group, group, loopback(), TlsFiles.serverContext(cert, key));

        try (SSLSocket s = (SSLSocket) trusting(cert).getSocketFactory().createSocket(tls.getAddress(), tls.getPort())) {
            s.setSoTimeout(5000);
            s.startHandshake(); // verifies the pool's certificate against the one we trust
            BufferedReader in = reader(s);
            send(s, ascii(SUBSCRIBE));
            JsonNode sub = reply(in, 1);
            assertEquals(8, sub.get("result").get(1).asText().length(), sub.toString());
            send(s, ascii(AUTHORIZE));
            JsonNode auth = reply(in, 2);
            assertTrue(auth.get("result").asBoolean(), auth.toString());
            assertEquals(1, server.connectionCount());
        }
        waitFor(() -> server.connectionCount() == 0);

        // a plaintext miner on the TLS port: no JSON answer, the connection is closed, no session made
        try (Socket s = plain(tls)) {
            send(s, ascii(SUBSCRIBE));
            byte[] buf = new byte[4096];
            StringBuilder got = new StringBuilder();
            try {
                for (int n, i = 0; i < 100 && (n = s.getInputStream().read(buf)) >= 0; i++) {
                    got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (SocketException reset) {
                // closed hard: refused too
            }
            assertFalse(got.toString().contains("result"), "no Stratum answer in clear text: " + got);
            assertEquals(0, server.connectionCount());
        }
    }

    @Test
    void trustedProxyV1AndV2HeadersGiveTheMinersAddress() throws Exception {
        InetSocketAddress at = newServer().proxyProtocolFrom(TrustedProxies.parse(List.of("127.0.0.1/32", "::1/128")))
                .start(group, group, loopback());

        try (Socket v1 = plain(at); Socket v2 = plain(at)) {
            BufferedReader in1 = reader(v1);
            send(v1, ascii("PROXY TCP4 203.0.113.7 127.0.0.1 51000 3333\r\n" + SUBSCRIBE));
            assertTrue(reply(in1, 1).get("result").isArray());
            BufferedReader in2 = reader(v2);
            send(v2, v2Header("198.51.100.23", 40000, "127.0.0.1", 3333), ascii(SUBSCRIBE));
            assertTrue(reply(in2, 1).get("result").isArray());

            waitFor(() -> server.connectionCount() == 2);
            // the sessions are known by the miners' addresses: a ban of one closes exactly that one
            assertEquals(1, server.kickAddress(InetAddress.getByName("203.0.113.7")));
            assertNull(readReply(in1), "the v1 miner's connection is closed");
            assertEquals(0, server.kickAddress(InetAddress.getByName("127.0.0.1")), "not known by the proxy's address");
            assertEquals(1, server.kickAddress(InetAddress.getByName("198.51.100.23")));
            assertNull(readReply(in2));
        }
    }

    @Test
    void trustedProxyMustSendAHeader() throws Exception {
        InetSocketAddress at = newServer().proxyProtocolFrom(TrustedProxies.parse(List.of("127.0.0.0/8")))
                .start(group, group, loopback());
        try (Socket s = plain(at)) {
            send(s, ascii(SUBSCRIBE));
            assertNull(readReply(reader(s)), "a connection from the proxy without a header is closed");
        }
        assertEquals(0, server.connectionCount());
    }

    @Test
    void bannedMinerBehindTrustedProxyIsDropped() throws Exception {
        InetSocketAddress at = newServer().proxyProtocolFrom(TrustedProxies.parse(List.of("127.0.0.1")))
                .start(group, group, loopback());
        bans.ban(InetAddress.getByName("203.0.113.66"), Duration.ofMinutes(10));
        try (Socket banned = plain(at); Socket other = plain(at)) {
            send(banned, ascii("PROXY TCP4 203.0.113.66 127.0.0.1 1234 3333\r\n" + SUBSCRIBE));
            assertNull(readReply(reader(banned)), "the banned miner is dropped before any answer");
            send(other, v2Header("203.0.113.67", 1234, "127.0.0.1", 3333), ascii(SUBSCRIBE));
            assertTrue(reply(reader(other), 1).get("result").isArray(), "its neighbour is not");
        }
    }

    @Test
    void untrustedSourceMayNotSendAProxyHeader() throws Exception {
        InetSocketAddress at = newServer().proxyProtocolFrom(TrustedProxies.parse(List.of("10.0.0.0/8")))
                .start(group, group, loopback());
        try (Socket v1 = plain(at); Socket v2 = plain(at); Socket direct = plain(at)) {
            send(v1, ascii("PROXY TCP4 203.0.113.7 127.0.0.1 51000 3333\r\n" + SUBSCRIBE));
            assertNull(readReply(reader(v1)), "v1 header from an untrusted address: closed");
            send(v2, v2Header("203.0.113.8", 40000, "127.0.0.1", 3333), ascii(SUBSCRIBE));
            assertNull(readReply(reader(v2)), "v2 header from an untrusted address: closed");
            // a plain miner from the same address is served, and known by its socket address;
            // its first line arrives one byte at a time, 'P'-free, so the refuser lets it through at once
            BufferedReader in = reader(direct);
            for (byte b : ascii(SUBSCRIBE)) {
                send(direct, new byte[] {b});
            }
            assertTrue(reply(in, 1).get("result").isArray());
            waitFor(() -> server.connectionCount() == 1);
            assertEquals(1, server.kickAddress(InetAddress.getLoopbackAddress()));
        }
    }

    @Test
    void proxyHeaderThenTlsOnTheTlsPort() throws Exception {
        Path cert = dir.resolve("c.pem");
        Path key = dir.resolve("k.pem");
        TlsFiles.ensureSelfSigned(cert, key, "templar test");
        newServer().proxyProtocolFrom(TrustedProxies.parse(List.of("127.0.0.1/32"))).start(group, group, loopback());
        InetSocketAddress tls = server.startTls(group, group, loopback(), TlsFiles.serverContext(cert, key));
        try (Socket raw = plain(tls)) {
            send(raw, ascii("PROXY TCP4 192.0.2.44 127.0.0.1 5555 3334\r\n"));
            try (SSLSocket s = (SSLSocket) trusting(cert).getSocketFactory()
                    .createSocket(raw, tls.getHostString(), tls.getPort(), true)) {
                s.setSoTimeout(5000);
                send(s, ascii(SUBSCRIBE));
                assertTrue(reply(reader(s), 1).get("result").isArray());
                waitFor(() -> server.connectionCount() == 1);
                assertEquals(1, server.kickAddress(InetAddress.getByName("192.0.2.44")));
            }
        }
    }
}
