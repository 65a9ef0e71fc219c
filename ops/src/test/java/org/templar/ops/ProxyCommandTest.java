package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import org.templar.client.proxy.ProxyConfig;
import org.templar.client.proxy.TemplarProxy;
import org.templar.ops.config.ConfigException;
import org.templar.regtest.RegtestNode;
import picocli.CommandLine;

/** `templar proxy` as a miner types it. */
@Timeout(120)
class ProxyCommandTest {
    private static ProxyCommand parse(String... args) {
        ProxyCommand cmd = new ProxyCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void flagsBecomeTheProxysConfigurationAndBadOnesAreRefusedByName(@TempDir Path dir) {
        String solo = SoloAndPoolMiningTest.newAddress();
        String txid = "ab".repeat(32);
        ProxyConfig c = parse("--node", "http://u:p@127.0.0.1:18443", "--zmq", "tcp://127.0.0.1:28332", "--solo-address",
                solo, "--listen", "127.0.0.1:0", "--data-dir", dir.toString(), "--exclude-txid", txid,
                "--exclude-script", "0014" + "00".repeat(20), "--min-fee-rate", "2.5", "--max-block-weight", "400000").config();
        assertEquals(BitcoinNetwork.REGTEST, c.network());
        assertEquals(solo, c.soloAddress());
        assertEquals(Set.of(txid), c.policy().excludedTxids());
        assertEquals(2.5, c.policy().minFeeRate());
        assertEquals(400_000, c.policy().maxBlockWeight());
        assertEquals("tcp://127.0.0.1:28332", c.node().zmqHashblock().orElseThrow());

        ConfigException bad = assertThrows(ConfigException.class, () -> parse("--node", "http://u:p@127.0.0.1:1",
                "--solo-address", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT").config());
        assertTrue(bad.getMessage().contains("--solo-address") && bad.getMessage().contains("1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
                bad.getMessage());
        assertTrue(c.pools().isEmpty(), "no pool flags: solo");
        String key = org.templar.pool.sv2.noise.AuthorityKeyPair.generate(new java.security.SecureRandom()).publicKey().toBase58();
        ProxyConfig withPool = parse("--node", "http://u:p@127.0.0.1:18443", "--solo-address", solo, "--pool",
                "127.0.0.1:3336", "--pool-jds", "127.0.0.1:3337", "--pool-authority", key, "--pool-user", "alice").config();
        assertEquals(1, withPool.pools().size());
        var up = withPool.pools().get(0);
        assertEquals(3336, up.mining().getPort());
        assertEquals(3337, up.jds().getPort());
        assertEquals(key, up.authority().toBase58());
        assertEquals("alice", up.user());
        ConfigException half = assertThrows(ConfigException.class, () -> parse("--node", "http://u:p@127.0.0.1:1",
                "--solo-address", solo, "--pool", "127.0.0.1:3336").config());
        assertTrue(half.getMessage().contains("--pool-jds"), half.getMessage());
        ConfigException badKey = assertThrows(ConfigException.class, () -> parse("--node", "http://u:p@127.0.0.1:1",
                "--solo-address", solo, "--pool", "127.0.0.1:3336", "--pool-jds", "127.0.0.1:3337", "--pool-authority",
                "nope").config());
        assertTrue(badKey.getMessage().contains("--pool-authority"), badKey.getMessage());
        ConfigException badTx = assertThrows(ConfigException.class, () -> parse("--node", "http://u:p@127.0.0.1:1",
                "--solo-address", solo, "--exclude-txid", "xyz").config());
        assertTrue(badTx.getMessage().contains("xyz"), badTx.getMessage());
    }

    @Test
    void fallbackPoolsFollowTheFirstInTheOrderGivenAndBadOnesAreRefusedByName(@TempDir Path dir) {
        String solo = SoloAndPoolMiningTest.newAddress();
        java.security.SecureRandom random = new java.security.SecureRandom();
        String key1 = org.templar.pool.sv2.noise.AuthorityKeyPair.generate(random).publicKey().toBase58();
        String key2 = org.templar.pool.sv2.noise.AuthorityKeyPair.generate(random).publicKey().toBase58();
        String key3 = org.templar.pool.sv2.noise.AuthorityKeyPair.generate(random).publicKey().toBase58();
        String[] first = {"--node", "http://u:p@127.0.0.1:18443", "--solo-address", solo, "--pool", "pool1.example:3336",
            "--pool-jds", "pool1.example:3337", "--pool-authority", key1, "--pool-user", "alice", "--pool-timeout", "2"};
        ProxyConfig c = parse(concat(first, "--fallback-pool", "pool2.example:3336,jds=pool2.example:4337,authority=" + key2
                + ",user=bob", "--fallback-pool", "10.0.0.3:3336,jds=10.0.0.3:3337,authority=" + key3)).config();
        assertEquals(3, c.pools().size());
        assertEquals("pool1.example", c.pools().get(0).mining().getHostString());
        var second = c.pools().get(1);
        assertEquals("pool2.example", second.mining().getHostString());
        assertEquals(4337, second.jds().getPort());
        assertEquals(key2, second.authority().toBase58());
        assertEquals("bob", second.user());
        assertEquals(Duration.ofSeconds(2), second.timeout(), "--pool-timeout applies to every pool");
        var third = c.pools().get(2);
        assertEquals("10.0.0.3", third.mining().getHostString());
        assertEquals(key3, third.authority().toBase58());
        assertEquals(solo, third.user(), "the account defaults to --solo-address");

        String ok = "pool2.example:3336,jds=pool2.example:3337,authority=" + key2;
        assertRefused("missing authority=", concat(first, "--fallback-pool", "pool2.example:3336,jds=pool2.example:3337"));
        assertRefused("missing jds=", concat(first, "--fallback-pool", "pool2.example:3336,authority=" + key2));
        assertRefused("is not an authority public key", concat(first, "--fallback-pool",
                "pool2.example:3336,jds=pool2.example:3337,authority=nope"));
        assertRefused("'pool2.example' is not HOST:PORT", concat(first, "--fallback-pool",
                "pool2.example,jds=pool2.example:3337,authority=" + key2));
        assertRefused("'pool2.example:x' is not HOST:PORT", concat(first, "--fallback-pool",
                "pool2.example:3336,jds=pool2.example:x,authority=" + key2));
        assertRefused("'port=3' is not jds=HOST:PORT", concat(first, "--fallback-pool", ok + ",port=3"));
        assertRefused("jds= is given twice", concat(first, "--fallback-pool", ok + ",jds=a:1"));
        ConfigException alone = assertThrows(ConfigException.class, () -> parse("--node", "http://u:p@127.0.0.1:18443",
                "--solo-address", solo, "--fallback-pool", ok).config());
        assertTrue(alone.getMessage().contains("--fallback-pool") && alone.getMessage().contains("--pool,"),
                alone.getMessage());
    }

    @Test
    void coinbaseOnlyAppliesToEveryPoolAndNeedsOne() {
        String solo = SoloAndPoolMiningTest.newAddress();
        java.security.SecureRandom random = new java.security.SecureRandom();
        String key1 = org.templar.pool.sv2.noise.AuthorityKeyPair.generate(random).publicKey().toBase58();
        String key2 = org.templar.pool.sv2.noise.AuthorityKeyPair.generate(random).publicKey().toBase58();
        String[] pools = {"--node", "http://u:p@127.0.0.1:18443", "--solo-address", solo, "--pool", "pool1.example:3336",
            "--pool-jds", "pool1.example:3337", "--pool-authority", key1, "--fallback-pool",
            "pool2.example:3336,jds=pool2.example:3337,authority=" + key2};
        ProxyConfig full = parse(pools).config();
        assertTrue(full.pools().stream().noneMatch(p -> p.coinbaseOnly()), "Full-Template by default");
        ProxyConfig cbOnly = parse(concat(pools, "--coinbase-only")).config();
        assertEquals(2, cbOnly.pools().size());
        assertTrue(cbOnly.pools().stream().allMatch(p -> p.coinbaseOnly() && p.mode().equals("Coinbase-only")));
        ConfigException alone = assertThrows(ConfigException.class, () -> parse("--node", "http://u:p@127.0.0.1:18443",
                "--solo-address", solo, "--coinbase-only").config());
        assertTrue(alone.getMessage().contains("--coinbase-only") && alone.getMessage().contains("--pool"),
                alone.getMessage());
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** Refused with a message naming --fallback-pool, the value given, and {@code what}. */
    private static void assertRefused(String what, String[] args) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(args).config());
        String value = args[args.length - 1];
        assertTrue(e.getMessage().contains("--fallback-pool '" + value + "'") && e.getMessage().contains(what),
                e.getMessage());
    }

    @Test
    void sv2DownstreamIsOnByDefaultOnThePoolsSv2PortAndCanBeMovedOrTurnedOff() {
        String solo = SoloAndPoolMiningTest.newAddress();
        String[] base = {"--node", "http://u:p@127.0.0.1:18443", "--solo-address", solo};
        ProxyConfig byDefault = parse(base).config();
        assertEquals(3336, byDefault.sv2Listen().orElseThrow().getPort(), "as `templar run`: SV1 on 3333, SV2 on 3336");
        ProxyConfig moved = parse(concat(base, "--sv2-listen", "127.0.0.1:4444", "--tag", "/mine/")).config();
        assertEquals(new java.net.InetSocketAddress("127.0.0.1", 4444), moved.sv2Listen().orElseThrow());
        assertEquals("/mine/", moved.tag());
        assertTrue(parse(concat(base, "--sv2-listen", "off")).config().sv2Listen().isEmpty(), "'off': SV1 only");
        ConfigException bad = assertThrows(ConfigException.class,
                () -> parse(concat(base, "--sv2-listen", "3336")).config());
        assertTrue(bad.getMessage().contains("--sv2-listen") && bad.getMessage().contains("3336"), bad.getMessage());
    }

    private static String keysShow(Path dataDir) {
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        try (java.io.PrintStream capture = new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8)) {
            System.setOut(capture);
            assertEquals(0, new CommandLine(new Templar()).execute("keys", "show", "--data-dir", dataDir.toString()));
            return buf.toString(java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void templatesFromATemplateProviderAndTheFlagsThatDoNotGoWithIt(@TempDir Path dir) {
        String solo = SoloAndPoolMiningTest.newAddress();
        String key = org.templar.pool.sv2.noise.AuthorityKeyPair.generate(new java.security.SecureRandom()).publicKey().toBase58();
        ProxyConfig c = parse("--tdp", "127.0.0.1:8442", "--tdp-authority", key, "--solo-address", solo, "--data-dir",
                dir.toString()).config();
        assertEquals(8442, c.tdp().orElseThrow().address().getPort());
        assertEquals(key, c.tdp().orElseThrow().authority().toBase58());
        assertEquals(null, c.node(), "no node of the miner's own");
        ProxyConfig both = parse("--tdp", "127.0.0.1:8442", "--tdp-authority", key, "--node", "http://u:p@127.0.0.1:18443",
                "--solo-address", solo).config();
        assertEquals(18443, both.node().rpcUri().getPort(), "the node also takes the blocks");

        ConfigException none = assertThrows(ConfigException.class, () -> parse("--solo-address", solo).config());
        assertTrue(none.getMessage().contains("--node") && none.getMessage().contains("--tdp"), none.getMessage());
        ConfigException noKey = assertThrows(ConfigException.class,
                () -> parse("--tdp", "127.0.0.1:8442", "--solo-address", solo).config());
        assertTrue(noKey.getMessage().contains("--tdp-authority"), noKey.getMessage());
        ConfigException badKey = assertThrows(ConfigException.class,
                () -> parse("--tdp", "127.0.0.1:8442", "--tdp-authority", "nope", "--solo-address", solo).config());
        assertTrue(badKey.getMessage().contains("--tdp-authority"), badKey.getMessage());
        ConfigException badAddr = assertThrows(ConfigException.class,
                () -> parse("--tdp", "nowhere", "--tdp-authority", key, "--solo-address", solo).config());
        assertTrue(badAddr.getMessage().contains("--tdp"), badAddr.getMessage());
        ConfigException zmq = assertThrows(ConfigException.class, () -> parse("--tdp", "127.0.0.1:8442", "--tdp-authority",
                key, "--zmq", "tcp://127.0.0.1:28332", "--solo-address", solo).config());
        assertTrue(zmq.getMessage().contains("--zmq"), zmq.getMessage());
        ConfigException policy = assertThrows(ConfigException.class, () -> parse("--tdp", "127.0.0.1:8442",
                "--tdp-authority", key, "--min-fee-rate", "3", "--solo-address", solo).config());
        assertTrue(policy.getMessage().contains("--min-fee-rate"), policy.getMessage());
    }

    @Test
    void theCommandsConfigurationMinesABlockOnTheMinersNode(@TempDir Path dir) throws Exception {
        String solo = SoloAndPoolMiningTest.newAddress();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            ProxyConfig c = parse("--node", "http://" + node.rpcUser() + ":" + node.rpcPassword() + "@127.0.0.1:"
                    + node.rpcUri().getPort(), "--solo-address", solo, "--listen", "127.0.0.1:0", "--sv2-listen",
                    "127.0.0.1:0", "--data-dir", dir.toString()).config();
            try (TemplarProxy proxy = TemplarProxy.start(c);
                    CpuMiner m = CpuMiner.start(MinerConfig.of("stratum+tcp://127.0.0.1:" + proxy.sv1Address().getPort(),
                            "antminer1").withThreads(1).withMaxReconnects(3))) {
                PoolHarness.await(Duration.ofSeconds(60), () -> node.chain().height() >= 1, "a block reaches the node");
                String key = proxy.authority().orElseThrow().toBase58();
                // other threads log to stdout too: the key is a line of its own
                assertTrue(keysShow(dir).lines().anyMatch(l -> l.strip().equals(key)),
                        "`templar keys show --data-dir` prints the key SV2 machines pin");
            }
            var coinbase = node.chain().coinbaseAt(1).orElseThrow();
            assertEquals(org.templar.pool.core.Authorizer.planFor(BitcoinNetwork.REGTEST, solo).script().length,
                    coinbase.getOutput(0).getScriptBytes().length);
            assertTrue(java.util.Arrays.equals(org.templar.pool.core.Authorizer.planFor(BitcoinNetwork.REGTEST, solo).script(),
                    coinbase.getOutput(0).getScriptBytes()), "the coinbase pays --solo-address");

            // a pool on the same machine already has 3336: the flag to change is named, nothing keeps running
            try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
                ProxyCommand clash = parse("--node", "http://" + node.rpcUser() + ":" + node.rpcPassword() + "@127.0.0.1:"
                        + node.rpcUri().getPort(), "--solo-address", solo, "--listen", "127.0.0.1:0", "--sv2-listen",
                        "127.0.0.1:" + taken.getLocalPort(), "--data-dir", dir.resolve("again").toString());
                ConfigException inUse = assertThrows(ConfigException.class, clash::call);
                assertTrue(inUse.getMessage().contains("--sv2-listen")
                        && inUse.getMessage().contains(String.valueOf(taken.getLocalPort())), inUse.getMessage());
            }
        }
    }
}
