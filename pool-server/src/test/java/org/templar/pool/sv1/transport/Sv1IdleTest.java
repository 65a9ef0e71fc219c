package org.templar.pool.sv1.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.BanList;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.pool.core.PayoutMode;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.PoolMetrics;
import org.templar.pool.core.VardiffSettings;
import org.templar.pool.sv1.session.Sv1Settings;

/**
 * Silent SV1 connections are closed by the listener's periodic sweep (there is no idle timer per
 * connection): one that never speaks, and one that sends a byte at a time but never a whole message,
 * are both closed; one that keeps talking is not.
 */
class Sv1IdleTest {
    private static final int IDLE_SECONDS = 1;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private Sv1Server server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private InetSocketAddress start() throws InterruptedException {
        PoolContext ctx = new PoolContext(new Authorizer(BitcoinNetwork.REGTEST, PayoutMode.SOLO, Optional.empty()),
                new ExtranonceAllocator(), null, () -> null, VardiffSettings.regtest(), 0x1fffe000, PoolMetrics.NONE,
                new BanList());
        server = new Sv1Server(ctx, Sv1Settings.defaults(), 16384, IDLE_SECONDS);
        return server.start(group, group, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /** Reads until the server closes the connection; true if it did within {@code seconds}. */
    private static boolean closedWithin(Socket s, int seconds) throws IOException {
        s.setSoTimeout(seconds * 1000);
        try {
            for (int i = 0; i < 1000; i++) {
                if (s.getInputStream().read() < 0) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    @Test
    void aConnectionThatNeverSpeaksIsClosed() throws Exception {
        InetSocketAddress pool = start();
        try (Socket s = new Socket(pool.getAddress(), pool.getPort())) {
            assertTrue(closedWithin(s, 10), "a silent connection must be closed after the idle timeout");
        }
    }

    @Test
    void bytesThatNeverMakeAMessageDoNotKeepAConnectionOpen() throws Exception {
        InetSocketAddress pool = start();
        try (Socket s = new Socket(pool.getAddress(), pool.getPort())) {
            s.setSoTimeout(200);
            boolean closed = false;
            // a slow drip of one byte every 200 ms, never a newline: at most 15 s of it
            for (int i = 0; i < 75 && !closed; i++) {
                try {
                    s.getOutputStream().write('{');
                    s.getOutputStream().flush();
                    closed = s.getInputStream().read() < 0;
                } catch (SocketTimeoutException stillOpen) {
                    // keep dripping
                } catch (SocketException reset) {
                    closed = true;
                }
            }
            assertTrue(closed, "a connection that never completes a message must be closed");
        }
    }

    @Test
    void aTalkingMinerStaysConnected() throws Exception {
        InetSocketAddress pool = start();
        try (Socket s = new Socket(pool.getAddress(), pool.getPort())) {
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            // a request every 300 ms for three idle periods: each is answered, the connection stays
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3L * IDLE_SECONDS);
            int id = 0;
            while (System.nanoTime() < end && id < 100) {
                id++;
                s.getOutputStream().write(("{\"id\":" + id + ",\"method\":\"mining.suggest_difficulty\",\"params\":[1]}\n")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                String line = in.readLine();
                assertTrue(line != null && line.contains("\"id\":" + id), "answer to request " + id + ": " + line);
                Thread.sleep(300); // the miner's pace, not synchronization
            }
            assertTrue(id >= 5, "the miner talked for three idle periods");
            assertEquals(1, server.connectionCount());
        }
    }
}
