package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.templar.ops.config.ConfigException;
import org.templar.ops.config.ConfigLoader;
import org.templar.ops.config.TemplarConfig;
import org.templar.pool.core.PayoutMode;

class ConfigLoaderTest {
    @Test
    void noConfigurationMeansEmbeddedRegtestSoloWithCpuFriendlyDifficulty() {
        TemplarConfig c = ConfigLoader.load(null, Map.of());
        assertEquals(BitcoinNetwork.REGTEST, c.network());
        assertTrue(c.nodes().embedded());
        assertEquals(PayoutMode.SOLO, c.pool().mode());
        assertEquals(3333, c.sv1().address().getPort());
        assertEquals(3336, c.sv2().address().getPort());
        assertEquals(9108, c.metrics().address().getPort());
        assertTrue(c.admin().address().getAddress().isLoopbackAddress(), "admin API on loopback only");
        assertTrue(c.vardiff().initial() <= 0.001, "a CPU core finds a share within seconds");
        assertEquals(0x1fffe000, c.pool().versionMask());
    }

    @Test
    void fileAndFlagsAreMergedWithFlagsWinning(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("templar.toml");
        Files.writeString(f, """
                network = "regtest"
                [pool]
                tag = "/mypool/"
                extranonce2_size = 8
                [node]
                urls = ["http://u:p%40ss@127.0.0.1:18443"]
                zmq_hashblock = "tcp://127.0.0.1:28332"
                [vardiff]
                initial = 0.5
                """);
        TemplarConfig c = ConfigLoader.load(f, Map.of("pool.tag", "/flag/"));
        assertEquals("/flag/", c.pool().tag());
        assertEquals(8, c.pool().extranonce2Size());
        assertEquals("p@ss", c.nodes().endpoints().get(0).password());
        assertEquals("tcp://127.0.0.1:28332", c.nodes().endpoints().get(0).zmqHashblock().orElseThrow());
        assertEquals(0.5, c.vardiff().initial());
        assertFalse(c.nodes().embedded());
    }

    @Test
    void retentionKeysHaveDefaultsAndRefuseLessThanADay() {
        TemplarConfig d = ConfigLoader.load(null, Map.of());
        assertEquals(java.time.Duration.ofDays(7), d.database().retainAge());
        assertEquals(java.time.Duration.ofMinutes(60), d.database().compactInterval());
        TemplarConfig c = ConfigLoader.load(null, Map.of("ledger.retain_days", "30", "ledger.compact_minutes", "0"));
        assertEquals(java.time.Duration.ofDays(30), c.database().retainAge());
        assertTrue(c.database().compactInterval().isZero(), "0: only templar ledger compact");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of("ledger.retain_days", "0")));
        assertTrue(e.getMessage().contains("ledger.retain_days"), e.getMessage());
    }

    @Test
    void shareWritersDefaultToTheDatabasesChoiceAndRefuseMoreThanSixteen() {
        assertEquals(0, ConfigLoader.load(null, Map.of()).database().writers(), "0: LedgerConfig.defaultWriters");
        assertEquals(3, ConfigLoader.load(null, Map.of("database.writers", "3")).database().writers());
        assertMessage(Map.of("database.writers", "17"), "database.writers", "17");
        assertMessage(Map.of("database.writers", "-1"), "database.writers");
    }

    @Test
    void connectionLimitsHaveDefaultsAndRefuseNonsense(@TempDir Path dir) throws Exception {
        TemplarConfig d = ConfigLoader.load(null, Map.of());
        assertEquals(1 << 20, d.outbound().hardCap());
        assertTrue(d.outbound().highWaterMark() < d.outbound().hardCap());
        assertEquals(java.time.Duration.ofSeconds(10), d.http().requestTimeout());
        assertEquals(64, d.http().maxConnections());

        Path f = dir.resolve("templar.toml");
        Files.writeString(f, """
                [limits]
                outbound_cap_bytes = 65536
                [http]
                request_timeout_ms = 2500
                max_connections = 8
                max_request_bytes = 4096
                """);
        TemplarConfig c = ConfigLoader.load(f, Map.of());
        assertEquals(65536, c.outbound().hardCap());
        assertEquals(16384, c.outbound().highWaterMark(), "a quarter of the cap");
        assertEquals(java.time.Duration.ofMillis(2500), c.http().requestTimeout());
        assertEquals(8, c.http().maxConnections());
        assertEquals(4096, c.http().maxRequestBytes());

        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("limits.outbound_cap_bytes", "100")));
        assertTrue(e.getMessage().contains("limits.outbound_cap_bytes"), e.getMessage());
        assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of("http.max_connections", "0")));
    }

    @Test
    void limitsBansAndTheOperatorsLogHaveDefaultsAndRefuseNonsense(@TempDir Path dir) throws Exception {
        TemplarConfig.Policy d = ConfigLoader.load(null, Map.of()).policy();
        assertEquals(50_000, d.maxConnections());
        assertEquals(1000, d.maxConnectionsPerIp());
        assertEquals(java.time.Duration.ofSeconds(30), d.sv1SetupTimeout());
        assertTrue(d.bans().enabled());
        assertEquals(0.9, d.bans().maxInvalidRatio());
        assertEquals(java.time.Duration.ofSeconds(60), d.bans().kickBan());
        assertEquals(20, d.logLinesPerSecond());
        Path f = dir.resolve("templar.toml");
        Files.writeString(f, """
                [bans]
                enabled = false
                max_invalid_percent = 75
                [log]
                max_lines_per_second = 2.5
                """);
        TemplarConfig.Policy p = ConfigLoader.load(f, Map.of()).policy();
        assertFalse(p.bans().enabled());
        assertEquals(0.75, p.bans().maxInvalidRatio());
        assertEquals(2.5, p.logLinesPerSecond());
        assertMessage(Map.of("bans.enabled", "maybe"), "bans.enabled", "maybe", "true or false");
        assertMessage(Map.of("bans.max_invalid_percent", "0"), "bans.max_invalid_percent", "0", "between 1 and 100");
        assertMessage(Map.of("limits.max_connections_per_ip", "0"), "limits.max_connections_per_ip", "0", "between 1");
        assertMessage(Map.of("log.max_lines_per_second", "-1"), "log.max_lines_per_second", "-1", "positive");
    }

    @Test
    void mainnetDefaultsSuitAsicsAndNeedARealNode() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of("network", "mainnet")));
        assertTrue(e.getMessage().contains("node.urls"));
        TemplarConfig c = ConfigLoader.load(null, Map.of("network", "mainnet", "node.urls", "http://u:p@10.0.0.1:8332"));
        assertTrue(c.vardiff().initial() >= 1024);
    }

    @Test
    void badValuesNameTheKeyTheValueAndWhatIsExpected(@TempDir Path dir) throws Exception {
        assertMessage(Map.of("network", "moon"), "'network'", "moon", "regtest");
        assertMessage(Map.of("pool.extranonce2_size", "40"), "pool.extranonce2_size", "40", "between 2 and 16");
        assertMessage(Map.of("pool.payout_mode", "pool"), "pool.payout_address", "", "address");
        assertMessage(Map.of("pool.payout_address", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"), "pool.payout_address",
                "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "is an address for mainnet, the pool runs on regtest");
        assertMessage(Map.of("pool.payout_address", "not-an-address"), "pool.payout_address", "not-an-address",
                "valid regtest address");
        assertMessage(Map.of("sv1.listen", "nowhere"), "sv1.listen", "nowhere", "host:port");
        assertMessage(Map.of("vardiff.initial", "-3"), "vardiff.initial", "-3", "positive");
        assertMessage(Map.of("pool.version_mask", "xyz"), "pool.version_mask", "xyz", "hex");
        assertMessage(Map.of("node.urls", "ftp://x"), "node.urls", "ftp://x", "http://");
        assertMessage(Map.of("vardiff.initial", "5", "vardiff.maximum", "1"), "vardiff.initial", "5", "between");
        ConfigException unknown = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of("pool.colour", "red")));
        assertTrue(unknown.getMessage().contains("unknown configuration key 'pool.colour'"));
        Path f = dir.resolve("bad.toml");
        Files.writeString(f, "[pool\nx=");
        assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(f, Map.of())).getMessage().contains("not valid TOML"));
        Path g = dir.resolve("types.toml");
        Files.writeString(g, "[pool]\nextranonce2_size = \"four\"\n");
        assertMessage(g, "pool.extranonce2_size", "four", "integer");
    }

    @Test
    void secretsComeFromFiles(@TempDir Path dir) throws Exception {
        Path pw = dir.resolve("rpc.pw");
        Files.writeString(pw, "s3cret\n");
        TemplarConfig c = ConfigLoader.load(null, Map.of("network", "regtest", "node.urls", "http://user:x@127.0.0.1:18443",
                "node.password_file", pw.toString()));
        assertEquals("s3cret", c.nodes().endpoints().get(0).password());
        assertFalse(c.nodes().endpoints().get(0).toString().contains("s3cret"), "never printed");
    }

    @Test
    void jobDeclarationPolicy() {
        TemplarConfig c = ConfigLoader.load(null, Map.of());
        assertTrue(c.jds().listen().enabled());
        assertEquals(3337, c.jds().listen().address().getPort());
        assertEquals(0.99, c.jds().settings().minPoolShare());
        assertTrue(!c.jds().settings().coinbaseOnlyAllowed(), "Coinbase-only is off by default");
        TemplarConfig permissive = ConfigLoader.load(null, Map.of("jds.listen", "off", "jds.min_pool_share", "1",
                "jds.coinbase_only_min_share", "0.95", "jds.coinbase_only_fee_ceiling_sats", "2000000"));
        assertTrue(!permissive.jds().listen().enabled());
        assertEquals(1.0, permissive.jds().settings().minPoolShare());
        assertTrue(permissive.jds().settings().coinbaseOnlyAllowed());
        assertEquals(2_000_000, permissive.jds().settings().coinbaseOnlyFeeCeilingSats());
        assertMessage(Map.of("jds.min_pool_share", "0"), "jds.min_pool_share", "above 0 and at most 1");
        assertMessage(Map.of("jds.min_pool_share", "1.5"), "jds.min_pool_share");
        assertMessage(Map.of("jds.coinbase_only_min_share", "-0.1"), "jds.coinbase_only_min_share", "0 (off)");
        assertMessage(Map.of("jds.tokens_per_minute", "0"), "jds.tokens_per_minute");
    }

    private static void assertMessage(Map<String, String> overrides, String... parts) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, overrides));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention " + p);
        }
    }

    private static void assertMessage(Path file, String... parts) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention " + p);
        }
    }
}
