package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.ShareRecord;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.Sv2Tlvs;
import org.templar.pool.sv2.jds.JdClient;
import org.templar.pool.sv2.jds.JdClientSession.DeclareOutcome;
import org.templar.share.Sha256;
import org.templar.share.Target;

/**
 * The Job Declaration figures people see (issue 9 "Visible to people", issue 11's decentralization
 * panel), checked after real declarations and real shares: a refused and an accepted DeclareMiningJob
 * over the JDS, shares on the declared job over SV2 and a share on the pool's own job over SV1; then
 * the admin API, {@code templar status}/{@code workers}, Prometheus and the dashboard's JSON must give
 * the numbers the ledger holds.
 */
@Timeout(240)
class JdFiguresTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private EventLoopGroup group;

    @BeforeEach
    void group() {
        group = new NioEventLoopGroup(1);
    }

    @AfterEach
    void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void declarationsSharesBySourceAndTheDecentralizationPanel(@TempDir Path dir) throws Exception {
        byte[] minerScript = JdsEndToEndTest.script(Sv2MiningTest.newAddress());
        String bob = Sv2MiningTest.newAddress();
        try (PoolHarness pool = JdsEndToEndTest.startPool(dir, Map.of("jds.min_pool_share", "0.5",
                "admin.listen", "127.0.0.1:0", "metrics.listen", "127.0.0.1:0"))) {
            PoolHarness.await(Duration.ofSeconds(30), () -> pool.pool().templates().current() != null, "a template");
            String publicBase = "http://127.0.0.1:" + pool.running.metrics().address().getPort();
            // before any declared work: no decentralization panel
            assertTrue(JSON.readTree(get(publicBase + "/api/public/pool")).path("decentralization").isMissingNode());

            try (JdClient jdc = JdClient.connect(group, pool.pool().jdsAddress(),
                    pool.pool().authority().orElseThrow().publicKey(), true).get(20, TimeUnit.SECONDS);
                    JdsEndToEndTest.Miner m = JdsEndToEndTest.miner(pool, "alice.rig1")) {
                long revenue = JdsEndToEndTest.SUBSIDY;
                // refused: the pool output is 40 % (< 50 %); refused: a token never allocated
                DeclaredTemplate low = DeclaredTemplate.of(JdsEndToEndTest.template(pool), List.of(),
                        List.of(new DeclaredTemplate.Out(revenue - revenue / 10 * 4, minerScript),
                                new DeclaredTemplate.Out(revenue / 10 * 4, JdsEndToEndTest.OPERATOR_SCRIPT)),
                        m.extranonceSize());
                assertInstanceOf(DeclareOutcome.Refused.class,
                        JdsEndToEndTest.declare(jdc, JdsEndToEndTest.token(jdc, "alice.rig1"), low));
                byte[] random = new byte[16];
                new SecureRandom().nextBytes(random);
                assertInstanceOf(DeclareOutcome.Refused.class, JdsEndToEndTest.declare(jdc, Bytes.of(random), low));
                // accepted: 60 % to the pool
                DeclaredTemplate t = DeclaredTemplate.of(JdsEndToEndTest.template(pool), List.of(),
                        List.of(new DeclaredTemplate.Out(revenue - revenue / 10 * 6, minerScript),
                                new DeclaredTemplate.Out(revenue / 10 * 6, JdsEndToEndTest.OPERATOR_SCRIPT)),
                        m.extranonceSize());
                DeclareOutcome.Accepted ok = assertInstanceOf(DeclareOutcome.Accepted.class,
                        JdsEndToEndTest.declare(jdc, JdsEndToEndTest.token(jdc, "alice.rig1"), t));

                long ch = m.channel().channelId();
                m.client().send(t.customJob(ch, 1, ok.newMiningJobToken()));
                long jobId = m.client().await(Sv2Mining.SetCustomMiningJobSuccess.class).jobId();
                byte[] clientPart = new byte[m.channel().extranonceSize()];
                int nonce = -1;
                for (int i = 0; i < 3; i++) { // three shares that do not solve the block
                    nonce = nextShareNonce(t, m.extranonce(clientPart), nonce + 1);
                    m.client().send(new Sv2Mining.SubmitSharesExtended(ch, i + 1, jobId, nonce & 0xffffffffL,
                            t.ntime() & 0xffffffffL, t.version() & 0xffffffffL, Bytes.of(clientPart), Sv2Tlvs.NONE));
                    m.client().await(Sv2Mining.SubmitSharesSuccess.class);
                }

                // one share on the pool's own template, over SV1
                TestMiner sv1 = TestMiner.connect(pool, bob, false, null);
                byte[] en2 = new byte[4];
                NotifiedJob.Found f = sv1.job().find(en2, 0, NotifiedJob.targetOf(sv1.difficulty()), true, false);
                JsonNode r = sv1.client().call("mining.submit", sv1.job().submitParams(bob + ".t", en2, f.nonce(), null));
                assertTrue(r.get("result").asBoolean(), r.toString());
                sv1.client().close();

                PoolHarness.await(Duration.ofSeconds(10), () -> pool.pool().ledger().sharesFor("alice", 10).size() == 3
                        && pool.pool().ledger().sharesFor(bob, 10).size() == 1, "the shares in the ledger");
                double declared = 0;
                for (ShareRecord s : pool.pool().ledger().sharesFor("alice", 10)) {
                    assertEquals(ShareRecord.SOURCE_JD_FULL, s.templateSource());
                    declared += s.shareDifficulty();
                }
                ShareRecord poolShare = pool.pool().ledger().sharesFor(bob, 10).get(0);
                assertEquals(ShareRecord.SOURCE_POOL, poolShare.templateSource());
                double own = poolShare.shareDifficulty();
                double fraction = declared / (declared + own);

                // the admin API
                String admin = "http://127.0.0.1:" + pool.running.admin().address().getPort();
                String token = Files.readString(dir.resolve("admin.token")).trim();
                JsonNode jd = JSON.readTree(get(admin + "/api/status", token)).get("job_declaration");
                assertEquals(JSON.readTree("{\"accepted\":1,\"invalid-job-param-value-coinbase_tx_suffix\":1,"
                        + "\"invalid-mining-job-token\":1}"), jd.get("declarations_by_outcome"), jd.toString());
                Map<String, JsonNode> sources = new java.util.TreeMap<>();
                jd.get("sources").forEach(s -> sources.put(s.get("source").asText(), s));
                assertEquals(List.of("jd-full", "pool"), List.copyOf(sources.keySet()));
                assertEquals(3, sources.get("jd-full").get("shares").asLong());
                assertEquals(declared, sources.get("jd-full").get("difficulty").asDouble(), declared * 1e-9);
                assertEquals(declared, sources.get("jd-full").get("difficulty_24h").asDouble(), declared * 1e-9);
                assertEquals(1, sources.get("pool").get("shares").asLong());
                assertEquals(own, sources.get("pool").get("difficulty_1h").asDouble(), own * 1e-9);
                assertEquals(fraction, jd.get("declared_work_fraction").get("1h").asDouble(), 1e-9);
                assertEquals(fraction, jd.get("declared_work_fraction").get("24h").asDouble(), 1e-9);
                assertEquals(1, jd.get("declaring_accounts_24h").asInt());
                assertEquals(1, jd.get("declaring_connections_24h").asInt());

                JsonNode workers = JSON.readTree(get(admin + "/api/workers", token));
                Map<String, JsonNode> byWorker = new java.util.HashMap<>();
                workers.forEach(w -> byWorker.put(w.get("worker").asText(), w));
                assertEquals("jd-full", byWorker.get("alice.rig1").get("template_source").asText(), workers.toString());
                assertEquals(0.6, byWorker.get("alice.rig1").get("revenue_weight").asDouble(), 1e-12);
                assertEquals("pool", byWorker.get(bob + ".t").get("template_source").asText());
                assertEquals(1.0, byWorker.get(bob + ".t").get("revenue_weight").asDouble());

                // the CLI
                String[] auth = {"--admin-url", admin, "--token-file", dir.resolve("admin.token").toString()};
                CliTest.Result status = CliTest.run(concat(new String[] {"status"}, auth));
                assertEquals(0, status.code(), status.err());
                assertTrue(status.out().contains("job declaration: declarations 1 accepted, "
                        + "1 invalid-job-param-value-coinbase_tx_suffix, 1 invalid-mining-job-token"), status.out());
                assertTrue(status.out().contains("jd-full 3 shares") && status.out().contains("pool 1 shares"), status.out());
                assertTrue(status.out().contains(String.format(java.util.Locale.ROOT,
                        "on miner-declared templates %.1f%% (1h)", 100 * fraction)), status.out());
                assertTrue(status.out().contains("template sources in 24h: 1 accounts, 1 JDS connections"), status.out());
                CliTest.Result list = CliTest.run(concat(new String[] {"workers"}, auth));
                assertEquals(0, list.code(), list.err());
                String aliceLine = list.out().lines().filter(l -> l.startsWith("alice.rig1")).findFirst().orElseThrow();
                assertTrue(aliceLine.contains(" jd-full ") && aliceLine.contains(" 0.600 "), aliceLine);
                String bobLine = list.out().lines().filter(l -> l.startsWith(bob)).findFirst().orElseThrow();
                assertTrue(bobLine.contains(" pool ") && bobLine.contains(" 1.000 "), bobLine);
                JsonNode statusJson = JSON.readTree(CliTest.run(concat(new String[] {"status", "--json"}, auth)).out());
                assertEquals(jd.get("declarations_by_outcome"), statusJson.get("job_declaration").get("declarations_by_outcome"));

                // Prometheus
                String metrics = get(publicBase + "/metrics");
                assertEquals(1.0, sample(metrics, "templar_jd_declarations_total{outcome=\"accepted\",}"), 0);
                assertEquals(1.0, sample(metrics, "templar_jd_declarations_total{outcome=\"invalid-mining-job-token\",}"), 0);
                assertEquals(3.0, sample(metrics, "templar_shares_by_source_total{source=\"jd-full\",}"), 0);
                assertEquals(1.0, sample(metrics, "templar_shares_by_source_total{source=\"pool\",}"), 0);
                assertEquals(declared, sample(metrics, "templar_shares_difficulty_by_source_total{source=\"jd-full\",}"),
                        declared * 1e-9);
                assertEquals(own, sample(metrics, "templar_shares_difficulty_by_source_total{source=\"pool\",}"), own * 1e-9);
                assertEquals(fraction, sample(metrics, "templar_jd_declared_work_fraction{window=\"1h\",}"), 1e-9);
                assertEquals(fraction, sample(metrics, "templar_jd_declared_work_fraction{window=\"24h\",}"), 1e-9);
                assertEquals(1.0, sample(metrics, "templar_jd_template_sources{kind=\"account\",}"), 0);
                assertEquals(1.0, sample(metrics, "templar_jd_template_sources{kind=\"connection\",}"), 0);

                // the dashboard's pool page data: the decentralization panel
                JsonNode panel = JSON.readTree(get(publicBase + "/api/public/pool")).get("decentralization");
                assertEquals(fraction, panel.get("miner_declared_fraction").asDouble(), 1e-9, String.valueOf(panel));
                assertEquals(1, panel.get("template_sources").asInt());
                assertEquals(declared, panel.get("difficulty_by_source").get("jd-full").asDouble(), declared * 1e-9);
                assertEquals(own, panel.get("difficulty_by_source").get("pool").asDouble(), own * 1e-9);
            }
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The value of one sample line of the Prometheus text format. */
    static double sample(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        assertTrue(m.find(), series + " in\n" + metrics);
        return Double.parseDouble(m.group(1));
    }

    private static int nextShareNonce(DeclaredTemplate t, byte[] extranonce, int from) {
        Target network = Target.fromCompact(t.nbits());
        for (int nonce = from; nonce < from + 1_000_000; nonce++) {
            if (!network.isMetBy(Sha256.hashTwice(t.header(extranonce, nonce)))) {
                return nonce;
            }
        }
        throw new AssertionError("no share nonce");
    }

    private static String get(String url) throws Exception {
        return get(url, null);
    }

    private static String get(String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return r.body();
    }
}
