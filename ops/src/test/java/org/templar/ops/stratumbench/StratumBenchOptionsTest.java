package org.templar.ops.stratumbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** `templar bench stratum` arguments: what is accepted, the defaults, and the reason for a refusal. */
class StratumBenchOptionsTest {

    @Test
    void parsesEveryOption() {
        StratumBenchOptions o = StratumBenchOptions.parse("submit", "--url", "stratum+tcp://127.0.0.1:3333", "--user",
                "bcrt1qexample.rig", "--password", "d=0.5", "--connections", "250", "--concurrency", "50", "--rate",
                "10000", "--window", "4", "--seconds", "7", "--rounds", "3", "--shares", "VALID", "--node-rpc",
                "http://templar:pw@127.0.0.1:18443", "--server-pid", "4242", "--client-threads", "2", "--hold", "5", "--warmup", "0",
                "--server-log", "/tmp/pool.log");
        assertEquals("submit", o.mode());
        assertEquals("127.0.0.1", o.pool().getHostString());
        assertEquals(3333, o.pool().getPort());
        assertEquals("bcrt1qexample.rig", o.user());
        assertEquals("d=0.5", o.password());
        assertEquals(250, o.connections());
        assertEquals(50, o.concurrency());
        assertEquals(10000, o.rate());
        assertEquals(4, o.window());
        assertEquals(7, o.seconds());
        assertEquals(3, o.rounds());
        assertEquals("valid", o.shares());
        assertEquals(Optional.of(URI.create("http://templar:pw@127.0.0.1:18443")), o.nodeRpc());
        assertEquals(Optional.of(4242L), o.serverPid());
        assertEquals(2, o.clientThreads());
        assertEquals(5, o.holdSeconds());
        assertEquals(0, o.warmupSeconds());
        assertEquals(Optional.of(java.nio.file.Path.of("/tmp/pool.log")), o.serverLog());
        assertEquals("storm", StratumBenchOptions.parse("storm", "--url", "127.0.0.1:3333").mode());
    }

    @Test
    void defaultsDependOnTheMode() {
        StratumBenchOptions connect = StratumBenchOptions.parse("connect", "--url", "stratum+tcp://localhost:3333");
        assertEquals(1000, connect.connections());
        assertEquals(null, connect.user(), "a fresh address is made when no user is given");
        assertEquals("x", connect.password());
        assertEquals("auto", connect.shares());
        assertEquals(0, connect.rate());
        assertTrue(connect.nodeRpc().isEmpty() && connect.serverPid().isEmpty() && connect.serverLog().isEmpty());
        assertEquals(100, StratumBenchOptions.parse("submit", "--url", "127.0.0.1:3333").connections());
    }

    @Test
    void poolAddressForms() {
        assertEquals(3333, StratumBenchOptions.poolAddress("stratum+tcp://127.0.0.1:3333/").getPort());
        assertEquals(3334, StratumBenchOptions.poolAddress("tcp://127.0.0.1:3334").getPort());
        assertEquals(3335, StratumBenchOptions.poolAddress("127.0.0.1:3335").getPort());
        assertTrue(StratumBenchOptions.poolAddress("stratum+tcp://[::1]:3336").getAddress().isLoopbackAddress());
    }

    @Test
    void refusalsSayWhy() {
        assertMessage("only stratum+tcp", "connect", "--url", "stratum+ssl://127.0.0.1:3333");
        assertMessage("HOST:PORT", "connect", "--url", "stratum+tcp://127.0.0.1");
        assertMessage("1..65535", "connect", "--url", "127.0.0.1:70000");
        assertMessage("--url", "connect");
        assertMessage("mode must be one of", "flood", "--url", "127.0.0.1:3333");
        assertMessage("a mode is needed");
        assertMessage("--connections must be at least 1", "connect", "--url", "127.0.0.1:3333", "--connections", "0");
        assertMessage("whole number", "connect", "--url", "127.0.0.1:3333", "--connections", "many");
        assertMessage("--rate must be 0", "submit", "--url", "127.0.0.1:3333", "--rate", "-1");
        assertMessage("--shares must be one of", "submit", "--url", "127.0.0.1:3333", "--shares", "fake");
        assertMessage("needs a value", "connect", "--url");
        assertMessage("unknown option --bogus", "connect", "--url", "127.0.0.1:3333", "--bogus", "1");
        assertMessage("http://user:pass@host:port", "notify", "--url", "127.0.0.1:3333", "--node-rpc", "127.0.0.1:18443");
    }

    private static void assertMessage(String part, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StratumBenchOptions.parse(args));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
