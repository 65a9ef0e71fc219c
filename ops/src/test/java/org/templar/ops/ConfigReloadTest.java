package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.ops.config.ConfigLoader;

/**
 * {@code templar reload} through the CLI, in-process, against a running pool started from a
 * configuration file: live keys take effect (a new SV1 connection gets the new vardiff start, the
 * next template carries the new pool tag, a block found afterwards reaches the newly added webhook),
 * keys bound at start-up are reported as needing a restart (exit 3), and a file with errors changes
 * nothing (exit 2).
 */
@Timeout(180)
class ConfigReloadTest {
    private static String toml(String initial, String maximum, String tag, String webhook, String extra) {
        return "[pool]\ntag = \"" + tag + "\"\n" + extra
                + "[vardiff]\nminimum = 0.0001\ninitial = " + initial + "\nmaximum = " + maximum + "\n"
                + (webhook == null ? "" : "[notify]\nwebhook_urls = [\"" + webhook + "\"]\n");
    }

    @Test
    void reloadAppliesLiveKeysAndNamesTheOthers(@TempDir Path dir) throws Exception {
        BlockingQueue<JsonNode> posts = new LinkedBlockingQueue<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        hook.createContext("/hook", ex -> {
            posts.add(new ObjectMapper().readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();
        Path file = dir.resolve("templar.toml");
        Files.writeString(file, toml("0.001", "4", "/first/", null, ""));
        Map<String, String> overrides = PoolHarness.defaults(dir.resolve("data"));
        overrides.put("admin.listen", "127.0.0.1:0");
        try (PoolHarness pool = new PoolHarness(RunCommand.start(ConfigLoader.load(file, overrides)))) {
            pool.pool().reloadFrom(Optional.of(file), () -> ConfigLoader.load(file, overrides));
            String[] admin = {"--admin-url", "http://127.0.0.1:" + pool.running.admin().address().getPort(),
                "--token-file", dir.resolve("data").resolve("admin.token").toString()};

            CliTest.Result same = CliTest.run(BlockStatusMetricTest.concat(new String[] {"reload"}, admin));
            assertEquals(0, same.code(), same.err());
            assertTrue(same.out().contains("reloaded " + file + ": nothing changed"), same.out());

            String url = "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook";
            Files.writeString(file, toml("0.002", "8", "/second/", url, "orphan_depth = 7\n")
                    + "[sv1]\nidle_timeout_seconds = 300\n");
            CliTest.Result changed = CliTest.run(BlockStatusMetricTest.concat(new String[] {"reload"}, admin));
            assertEquals(3, changed.code(), "some keys need a restart: " + changed.out() + changed.err());
            for (String applied : new String[] {"vardiff.initial", "vardiff.maximum", "notify.webhook_urls", "pool.tag"}) {
                assertTrue(changed.out().matches("(?s).*\\n  " + java.util.regex.Pattern.quote(applied) + " +applied\\n.*"),
                        applied + ": " + changed.out());
            }
            for (String restart : new String[] {"pool.orphan_depth", "sv1.idle_timeout_seconds"}) {
                assertTrue(changed.out().matches("(?s).*\\n  " + java.util.regex.Pattern.quote(restart) + " +needs a restart\\n.*"),
                        restart + ": " + changed.out());
            }
            assertTrue(changed.out().contains("2 key(s) take effect only after a restart"), changed.out());
            assertTrue(!changed.out().contains("vardiff.minimum"), "unchanged keys are not listed: " + changed.out());
            CliTest.Result again = CliTest.run(BlockStatusMetricTest.concat(new String[] {"reload", "--json"}, admin));
            assertEquals(3, again.code(), again.out() + again.err());
            // (the pool's own log line about the reload shares this test's captured stdout)
            JsonNode json = new ObjectMapper().readTree(again.out().substring(again.out().indexOf("{\n")));
            // the live keys were applied once; what needs a restart is still said until the pool restarts
            assertEquals(0, json.get("applied").asInt(), json.toString());
            assertEquals(2, json.get("needs_restart").asInt(), json.toString());
            assertEquals("needs a restart", json.get("changes").get("pool.orphan_depth").asText(), json.toString());
            assertEquals(2, json.get("changes").size(), json.toString());
            assertEquals(file.toString(), json.get("file").asText());

            // a new connection starts at the new vardiff.initial
            try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
                c.call("mining.subscribe", "[]");
                c.call("mining.authorize", "[\"" + SoloAndPoolMiningTest.newAddress() + ".new\",\"x\"]");
                assertEquals(0.002, c.awaitNotification("mining.set_difficulty").get("params").get(0).asDouble());
                JsonNode first = c.awaitNotification("mining.notify").get("params");
                String tagHex = HexFormat.of().formatHex("/second/".getBytes(StandardCharsets.US_ASCII));
                if (!(first.get(2).asText() + first.get(3).asText()).contains(tagHex)) {
                    // work cut before the reload: the next template (a new block) carries the new tag
                    pool.pool().embeddedNode().orElseThrow().generateToAddress(1, SoloAndPoolMiningTest.newAddress());
                    JsonNode next = c.awaitNotification("mining.notify").get("params");
                    assertTrue((next.get(2).asText() + next.get(3).asText()).contains(tagHex), next.toString());
                }
            }

            // the webhook added by the reload is told of the next block
            try (CpuMiner m = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, SoloAndPoolMiningTest.newAddress() + ".w"))) {
                assertTrue(m.awaitBlocks(1, Duration.ofSeconds(60)), m.snapshot().toString());
            }
            JsonNode post = posts.poll(30, TimeUnit.SECONDS);
            assertNotNull(post, "the webhook added by reload was called");
            assertTrue(post.get("event").asText().startsWith("block_"), post.toString());

            // a file with errors: exit 2, the error named, nothing applied
            Files.writeString(file, toml("\"lots\"", "8", "/third/", url, ""));
            CliTest.Result bad = CliTest.run(BlockStatusMetricTest.concat(new String[] {"reload"}, admin));
            assertEquals(2, bad.code(), bad.out() + bad.err());
            assertTrue(bad.err().contains("vardiff.initial") && bad.err().contains("nothing was applied"), "out: " + bad.out() + " err: " + bad.err());
            assertEquals(0.002, pool.pool().vardiff().initial());
            assertEquals("/second/", pool.pool().templates().settings().poolTag());
        } finally {
            hook.stop(0);
        }
    }
}
