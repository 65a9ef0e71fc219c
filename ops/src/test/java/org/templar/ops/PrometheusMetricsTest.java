package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class PrometheusMetricsTest {
    static String scrape(CollectorRegistry registry) throws Exception {
        StringWriter w = new StringWriter();
        TextFormat.write004(w, registry.metricFamilySamples());
        return w.toString();
    }

    @Test
    void rejectionReasonsHaveOneSpellingWhateverTheProtocol() throws Exception {
        CollectorRegistry registry = new CollectorRegistry();
        PrometheusMetrics m = new PrometheusMetrics(registry);
        m.shareRejected("sv1", "bad version");
        m.shareRejected("sv2", "invalid-version");
        m.shareRejected("sv1", "not subscribed");
        m.shareRejected("sv2", "stale-share");
        m.shareRejected("sv1", "low_difficulty");
        m.shareRejected("sv2", "difficulty-too-low");
        String text = scrape(registry);
        assertTrue(text.contains("templar_shares_rejected_total{protocol=\"sv1\",reason=\"bad_version\",} 1.0"), text);
        assertTrue(text.contains("templar_shares_rejected_total{protocol=\"sv2\",reason=\"bad_version\",} 1.0"), text);
        assertTrue(text.contains("reason=\"not_subscribed\""), text);
        assertTrue(text.contains("templar_shares_rejected_total{protocol=\"sv2\",reason=\"stale\",} 1.0"), text);
        assertTrue(text.contains("templar_shares_rejected_total{protocol=\"sv2\",reason=\"low_difficulty\",} 1.0"), text);
        assertTrue(!text.contains("reason=\"invalid-version\"") && !text.contains("reason=\"bad version\""), text);
        assertEquals("unknown_job", PrometheusMetrics.reasonLabel("invalid-job-id"));
    }

    @Test
    void droppedAuditLogLinesAreExported(@TempDir Path dir) throws Exception {
        Map<String, String> cfg = Map.of("audit.share_log", dir.resolve("shares.log").toString());
        try (PoolHarness pool = PoolHarness.start(dir, cfg)) {
            CollectorRegistry registry = new CollectorRegistry();
            new PrometheusMetrics(registry).registerLiveStats(pool.pool());
            String text = scrape(registry);
            assertTrue(text.contains("templar_audit_log_dropped_lines_total 0.0"), text);
            assertTrue(text.contains("templar_blocks{status=\"accepted\",} 0.0"), text);
            assertTrue(text.contains("templar_pool_hashrate{window=\"24h\",} 0.0"), text);
        }
    }
}
