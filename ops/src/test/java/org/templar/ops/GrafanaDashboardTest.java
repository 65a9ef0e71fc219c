package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every metric the Grafana dashboard queries is one a running pool exports. */
@Timeout(60)
class GrafanaDashboardTest {
    private static final Path DASHBOARD = Path.of("grafana/templar-dashboard.json");

    @Test
    void everyQueriedMetricExists(@TempDir Path dir) throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        Set<String> queried = new TreeSet<>();
        Pattern metric = Pattern.compile("\\btemplar_[a-z0-9_]+");
        int expressions = 0;
        for (JsonNode expr : dashboard.findValues("expr")) {
            expressions++;
            Matcher m = metric.matcher(expr.asText());
            while (m.find()) {
                queried.add(m.group());
            }
        }
        assertTrue(expressions >= 10 && queried.size() >= 15, "the dashboard queries the pool: " + queried);
        assertTrue(queried.containsAll(Set.of("templar_jd_declared_work_fraction", "templar_jd_declarations_total",
                "templar_shares_difficulty_by_source_total")), "the dashboard shows Job Declaration: " + queried);

        Map<String, String> cfg = Map.of("metrics.listen", "127.0.0.1:0", "audit.share_log", dir.resolve("s.log").toString());
        try (PoolHarness pool = PoolHarness.start(dir, cfg)) {
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + pool.running.metrics().address().getPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            // every sample name a family can have, from its TYPE line (present even before any sample)
            Set<String> exported = new TreeSet<>();
            for (String line : text.split("\n")) {
                if (!line.startsWith("# TYPE ")) {
                    continue;
                }
                String[] p = line.split(" ");
                String name = p[2];
                switch (p[3]) {
                    case "counter" -> {
                        exported.add(name + "_total");
                        exported.add(name);
                    }
                    case "histogram" -> {
                        exported.add(name + "_bucket");
                        exported.add(name + "_count");
                        exported.add(name + "_sum");
                    }
                    default -> exported.add(name);
                }
            }
            for (String q : queried) {
                assertTrue(exported.contains(q), "the dashboard queries " + q + ", which the pool does not export; exported: "
                        + exported);
            }
        }
    }
}
