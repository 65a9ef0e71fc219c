package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The admin CLI's messages and exit codes against a running pool (and a pool that is not running). */
@Timeout(120)
class AdminCliTest {
    @TempDir
    static Path dir;

    static PoolHarness pool;
    static String adminUrl;

    @BeforeAll
    static void start() throws Exception {
        pool = PoolHarness.start(dir, Map.of("admin.listen", "127.0.0.1:0"));
        adminUrl = "http://127.0.0.1:" + pool.running.admin().address().getPort();
        pool.pool().embeddedNode().orElseThrow().generateToAddress(3, SoloAndPoolMiningTest.newAddress());
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    @AfterEach
    void realEnvironment() {
        AdminCommands.env = System::getenv;
    }

    private static CliTest.Result admin(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--admin-url", adminUrl, "--token-file", dir.resolve("admin.token").toString()));
        return CliTest.run(a.toArray(String[]::new));
    }

    @Test
    void statusShowsTheChainTipHeight() throws Exception {
        PoolHarness.await(java.time.Duration.ofSeconds(20), () -> admin("status").out().contains("chain tip height 3"),
                "status shows height 3");
        CliTest.Result r = admin("status");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("hashrate") && r.out().contains("network difficulty"), r.out());
    }

    @Test
    void everyReadCommandSpeaksJson() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (String cmd : new String[] {"status", "workers", "accounts", "blocks", "bans"}) {
            CliTest.Result r = admin(cmd, "--json");
            assertEquals(0, r.code(), cmd + ": " + r.err());
            JsonNode parsed = json.readTree(r.out());
            assertTrue(parsed.isObject() || parsed.isArray(), cmd + ": " + r.out());
        }
        assertEquals(3, json.readTree(admin("status", "--json").out()).get("tip_height").asInt());
        CliTest.Result keys = CliTest.run("config", "keys", "--json");
        assertTrue(json.readTree(keys.out()).has("vardiff.initial"), keys.out());
    }

    @Test
    void kickOfAnUnknownWorkerFailsWithAMessage() {
        CliTest.Result r = admin("kick", "nobody.rig");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("no connected worker or account named 'nobody.rig'"), r.err());
    }

    @Test
    void badParametersAreRefusedNamingTheParameter() throws Exception {
        CliTest.Result zero = admin("ban", "10.0.0.1", "--minutes", "0");
        assertEquals(2, zero.code());
        assertTrue(zero.err().contains("parameter 'minutes'") && zero.err().contains("1..527040"), zero.err());
        CliTest.Result forever = admin("ban", "10.0.0.1", "--minutes", "99999999");
        assertEquals(2, forever.code());
        assertTrue(forever.err().contains("parameter 'minutes'"), forever.err());
        CliTest.Result host = admin("ban", "example.com");
        assertEquals(2, host.code());
        assertTrue(host.err().contains("parameter 'ip'"), host.err());
        CliTest.Result limit = admin("blocks", "--limit", "0");
        assertEquals(2, limit.code());
        assertTrue(limit.err().contains("parameter 'limit'"), limit.err());
        assertTrue(pool.pool().context().bans().active().isEmpty(), "nothing was banned");

        // the API itself: 400 with the parameter named, never a 500
        String token = Files.readString(dir.resolve("admin.token")).trim();
        HttpClient http = HttpClient.newHttpClient();
        for (String[] c : new String[][] {{"GET", "/api/blocks?limit=abc", "limit"}, {"GET", "/api/blocks?limit=-5", "limit"},
            {"POST", "/api/ban?ip=1.2.3.4&minutes=x", "minutes"}, {"POST", "/api/ban", "ip"}, {"POST", "/api/kick", "worker"},
            {"POST", "/api/unban?ip=zz", "ip"}}) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(adminUrl + c[1]))
                    .header("Authorization", "Bearer " + token)
                    .method(c[0], HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), c[1] + ": " + r.body());
            assertTrue(r.body().contains("parameter '" + c[2] + "'"), c[1] + ": " + r.body());
        }
    }

    @Test
    void banOfARangeWithADurationAndAReasonThenBansAndUnban() throws Exception {
        try {
            // the pool runs in this JVM: its log lines share stdout with the CLI's
            CliTest.Result r = admin("ban", "198.51.100.0/24", "--for", "2h", "--reason", "scanner farm");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("banned 198.51.100.0/24 until "), r.out());
            CliTest.Result list = admin("bans");
            assertEquals(0, list.code(), list.err());
            assertTrue(list.out().lines().anyMatch(l -> l.startsWith("198.51.100.0/24") && l.contains("operator")
                    && l.endsWith("scanner farm")), list.out());
            JsonNode json = new ObjectMapper().readTree(admin("bans", "--json").out());
            assertEquals("scanner farm", json.get(0).get("reason").asText());
            CliTest.Result bad = admin("ban", "198.51.100.7", "--for", "5y");
            assertEquals(2, bad.code());
            assertTrue(bad.err().contains("parameter 'for'"), bad.err());
            CliTest.Result badRange = admin("ban", "198.51.100.0/40");
            assertEquals(2, badRange.code());
            assertTrue(badRange.err().contains("parameter 'ip'"), badRange.err());
            CliTest.Result unban = admin("unban", "198.51.100.0/24");
            assertEquals(0, unban.code(), unban.err());
            assertTrue(unban.out().contains("unbanned 198.51.100.0/24"), unban.out());
            assertTrue(pool.pool().context().bans().active().isEmpty());
        } finally {
            pool.pool().context().bans().unban(org.templar.pool.core.IpRange.parse("198.51.100.0/24"));
        }
    }

    @Test
    void aPoolThatIsDownIsSaidInOneLine() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        CliTest.Result r = CliTest.run("status", "--admin-url", "http://127.0.0.1:" + closed, "--token-file",
                dir.resolve("admin.token").toString());
        assertEquals(1, r.code());
        assertEquals("templar: no pool answering at 127.0.0.1:" + closed, r.err().trim());
    }

    @Test
    void theTokenIsFoundFromDataDirConfigOrEnvironment(@TempDir Path elsewhere) throws Exception {
        // --data-dir
        CliTest.Result byDir = CliTest.run("status", "--admin-url", adminUrl, "--data-dir", dir.toString());
        assertEquals(0, byDir.code(), byDir.err());
        // --config: its data_dir gives the token and its admin.listen the URL
        Path toml = elsewhere.resolve("templar.toml");
        Files.writeString(toml, "data_dir = \"" + dir.toString().replace("\\", "\\\\") + "\"\n[admin]\nlisten = \"127.0.0.1:"
                + pool.running.admin().address().getPort() + "\"\n");
        CliTest.Result byConfig = CliTest.run("workers", "--config", toml.toString());
        assertEquals(0, byConfig.code(), byConfig.err());
        // the environment
        String token = Files.readString(dir.resolve("admin.token")).trim();
        AdminCommands.env = Map.of("TEMPLAR_DATA_DIR", dir.toString(), "TEMPLAR_ADMIN_URL", adminUrl)::get;
        CliTest.Result byEnvDir = CliTest.run("status");
        assertEquals(0, byEnvDir.code(), byEnvDir.err());
        AdminCommands.env = Map.of("TEMPLAR_ADMIN_TOKEN", token, "TEMPLAR_ADMIN_URL", adminUrl)::get;
        CliTest.Result byEnvToken = CliTest.run("bans");
        assertEquals(0, byEnvToken.code(), byEnvToken.err());
        // nowhere: a message saying where it looked and how to point at the pool
        AdminCommands.env = Map.<String, String>of()::get;
        CliTest.Result missing = CliTest.run("status", "--admin-url", adminUrl, "--data-dir", elsewhere.resolve("none").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no admin token at") && missing.err().contains("--data-dir"), missing.err());
        // a wrong token
        Path wrong = elsewhere.resolve("wrong.token");
        Files.writeString(wrong, "0000\n");
        CliTest.Result refused = CliTest.run("status", "--admin-url", adminUrl, "--token-file", wrong.toString());
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("refused the admin token"), refused.err());
    }

    @Test
    void everySubcommandHasHelpAndTheTopLevelListsBench() {
        CommandLine root = new CommandLine(new Templar());
        List<String[]> paths = new ArrayList<>();
        collect(root, new ArrayList<>(), paths);
        assertTrue(paths.size() >= 20, "all commands found: " + paths.size());
        for (String[] path : paths) {
            String[] args = java.util.Arrays.copyOf(path, path.length + 1);
            args[path.length] = "--help";
            CliTest.Result r = CliTest.run(args);
            assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().contains("Usage: templar " + String.join(" ", path)), String.join(" ", args) + ": " + r.out());
        }
        CliTest.Result top = CliTest.run("--help");
        assertTrue(top.out().contains("bench"), top.out());
        assertTrue(CliTest.run("bench", "--help").out().contains("fanout"));
    }

    private static void collect(CommandLine cmd, List<String> prefix, List<String[]> out) {
        for (var e : cmd.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            List<String> p = new ArrayList<>(prefix);
            p.add(e.getKey());
            out.add(p.toArray(String[]::new));
            collect(e.getValue(), p, out);
        }
    }
}
