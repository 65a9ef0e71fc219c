package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.crypto.ECKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.ops.config.ConfigException;
import org.templar.ops.config.ConfigLoader;

/** `templar run`'s banner, a port in use, and `config check` finding every problem at once. */
@Timeout(120)
class StartupTest {
    @Test
    void configCheckReportsEveryProblemAtOnce(@TempDir Path dir) throws Exception {
        String mainnet = new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.MAINNET).toString();
        Path file = dir.resolve("templar.toml");
        Files.writeString(file, String.join("\n",
                "network = \"regtest\"",
                "[pool]",
                "payout_address = \"" + mainnet + "\"",
                "[vardiff]",
                "inital = 0.01",
                "[sv1]",
                "max_line_length = 3",
                "[metrics]",
                "listen = \"0.0.0.0:3333\"",
                ""));
        CliTest.Result r = CliTest.run("config", "check", file.toString());
        assertEquals(2, r.code());
        String err = r.err();
        assertTrue(err.contains("unknown configuration key 'vardiff.inital'; did you mean 'vardiff.initial'?"), err);
        assertTrue(err.contains("sv1.max_line_length"), err);
        assertTrue(err.contains("\"" + mainnet + "\" is an address for mainnet, the pool runs on regtest"), err);
        assertTrue(err.contains("sv1.listen and metrics.listen both use port 3333"), err);
        assertEquals(4, err.strip().split("\n").length, "one line per problem: " + err);

        JsonNode json = new ObjectMapper().readTree(CliTest.run("config", "check", "--json", file.toString()).out());
        assertFalse(json.get("ok").asBoolean());
        assertEquals(4, json.get("problems").size(), json.toString());
    }

    @Test
    void typosGetTheNearestKeyAndClashesIncludeTheEmbeddedNode() {
        assertEquals("sv2.listen", ConfigLoader.nearestKey("sv2.lisen").orElseThrow());
        assertEquals("pool.payout_address", ConfigLoader.nearestKey("pool.payout_adress").orElseThrow());
        assertEquals("admin.token_file", ConfigLoader.nearestKey("pool.token_file").orElseThrow(), "same name, other table");
        assertTrue(ConfigLoader.nearestKey("completely.unrelated_thing_here").isEmpty());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("admin.listen", "127.0.0.1:18443")));
        assertTrue(e.getMessage().contains("admin.listen and embedded_node.rpc_port both use port 18443"), e.getMessage());
        // different hosts on one port are fine; port 0 never clashes
        ConfigLoader.load(null, Map.of("admin.listen", "127.0.0.2:3333", "sv1.listen", "127.0.0.1:3333"));
        ConfigLoader.load(null, Map.of("admin.listen", "127.0.0.1:0", "metrics.listen", "0.0.0.0:0"));
    }

    @Test
    void aPortInUseNamesTheKeyAndThePortAndNothingRuns(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            // through the real command line: one line and exit code 2, before any banner
            CliTest.Result r = CliTest.run("run", "--data-dir", dir.resolve("a").toString(), "--sv1", "127.0.0.1:0",
                    "--sv2", "off", "--metrics", "off", "--admin", "127.0.0.1:" + port,
                    "--set", "embedded_node.rpc_port=0", "--set", "embedded_node.zmq_port=0");
            assertEquals(2, r.code(), r.err());
            assertEquals("templar: admin.listen: port " + port + " on 127.0.0.1 is already in use (another pool or program "
                    + "has it); stop that or set another port with admin.listen", r.err().strip());
            assertFalse(r.out().contains("running"), r.out());

            Map<String, String> o = PoolHarness.defaults(dir.resolve("b"));
            o.put("sv1.listen", "127.0.0.1:" + port);
            ConfigException sv1 = assertThrows(ConfigException.class, () -> RunCommand.start(ConfigLoader.load(null, o)));
            assertTrue(sv1.getMessage().startsWith("sv1.listen: port " + port), sv1.getMessage());

            Map<String, String> n = PoolHarness.defaults(dir.resolve("c"));
            n.put("embedded_node.rpc_port", String.valueOf(port));
            ConfigException node = assertThrows(ConfigException.class, () -> RunCommand.start(ConfigLoader.load(null, n)));
            assertTrue(node.getMessage().startsWith("embedded_node.rpc_port: port " + port), node.getMessage());
        }
    }

    @Test
    void theBannerGivesEveryEndpointAsAPastableUrl(@TempDir Path dir) throws Exception {
        Map<String, String> o = new HashMap<>(PoolHarness.defaults(dir));
        o.put("sv1.listen", "0.0.0.0:0");
        o.put("sv2.listen", "127.0.0.1:0");
        o.put("metrics.listen", "[::]:0");
        o.put("admin.listen", "127.0.0.1:0");
        try (PoolHarness pool = new PoolHarness(RunCommand.start(ConfigLoader.load(null, o)))) {
            String banner = pool.running.banner();
            String host = Startup.machineName();
            assertTrue(banner.contains("Templar " + Templar.VERSION + " running"), banner);
            assertTrue(banner.contains("regtest") && banner.contains("embedded regtest node http://127.0.0.1:"), banner);
            assertTrue(banner.contains("solo"), banner);
            assertTrue(banner.contains("stratum+tcp://" + host + ":" + pool.sv1().getPort()), banner);
            assertTrue(banner.contains("stratum2+tcp://127.0.0.1:" + pool.pool().sv2Address().getPort() + "/"
                    + pool.pool().authority().orElseThrow().publicKey().toBase58()), banner);
            assertTrue(banner.contains("http://" + host + ":" + pool.running.metrics().address().getPort() + "/metrics"), banner);
            assertTrue(banner.contains("http://127.0.0.1:" + pool.running.admin().address().getPort()), banner);
            assertFalse(banner.contains("0.0.0.0") || banner.contains("0:0:0:0") || banner.contains("[::]"), banner);
        }
        assertEquals("127.0.0.1", Startup.urlHost(new InetSocketAddress("0.0.0.0", 1), () -> "127.0.0.1"));
        assertEquals("miner-box", Startup.urlHost(new InetSocketAddress("::", 1), () -> "miner-box"));
        assertEquals("192.168.1.5", Startup.urlHost(new InetSocketAddress("192.168.1.5", 1), () -> "x"));
    }
}
