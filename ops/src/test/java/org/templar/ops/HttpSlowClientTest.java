package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7, defect 4: one slow HTTP client must not freeze /metrics or the admin API. Clients that send
 * half a request header and stall (or trickle it a byte at a time) are closed after the request
 * timeout; meanwhile other callers are answered at once; past the connection cap a caller gets 503.
 */
@Timeout(120)
class HttpSlowClientTest {
    private static final long TIMEOUT_MS = 1500;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private static HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A client that sends the start of a request and nothing more. */
    private static Socket stalled(InetSocketAddress at, String path) throws IOException {
        Socket s = new Socket();
        s.connect(at, 2000);
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }

    /** Milliseconds until the server closes {@code s} (reading whatever it says first), or -1 after {@code waitMs}. */
    private static long millisUntilClosed(Socket s, long since, long waitMs) throws IOException {
        s.setSoTimeout((int) waitMs);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // an answer before closing is allowed; what matters is the close
            }
        } catch (SocketTimeoutException stillOpen) {
            return -1;
        } catch (IOException reset) {
            // closed with a reset: closed all the same
        }
        return (System.nanoTime() - since) / 1_000_000;
    }

    @Test
    void stalledRequestsNeitherBlockOthersNorStay(@TempDir Path dir) throws Exception {
        Map<String, String> cfg = Map.of("admin.listen", "127.0.0.1:0", "metrics.listen", "127.0.0.1:0",
                "http.request_timeout_ms", Long.toString(TIMEOUT_MS), "http.max_connections", "6");
        try (PoolHarness pool = PoolHarness.start(dir, cfg)) {
            String token = Files.readString(dir.resolve("admin.token")).trim();
            InetSocketAddress metricsAt = pool.running.metrics().address();
            InetSocketAddress adminAt = pool.running.admin().address();
            String metrics = "http://127.0.0.1:" + metricsAt.getPort() + "/metrics";
            String admin = "http://127.0.0.1:" + adminAt.getPort() + "/api/status";

            long start = System.nanoTime();
            try (Socket slowMetrics = stalled(metricsAt, "/metrics"); Socket slowAdmin = stalled(adminAt, "/api/status")) {
                // both listeners are answered promptly while a request on each hangs half-sent
                for (int i = 0; i < 3; i++) {
                    long t = System.nanoTime();
                    HttpResponse<String> m = get(metrics, null);
                    assertEquals(200, m.statusCode());
                    assertTrue(m.body().contains("templar_connections"), "the real exposition");
                    HttpResponse<String> s = get(admin, token);
                    assertEquals(200, s.statusCode(), s.body());
                    assertTrue(s.body().contains("\"network\""), s.body());
                    assertTrue((System.nanoTime() - t) / 1_000_000 < TIMEOUT_MS, "answered before the stalled ones time out");
                }
                assertEquals(401, get(admin, null).statusCode(), "the admin token is still required");

                long m = millisUntilClosed(slowMetrics, start, 10_000);
                long a = millisUntilClosed(slowAdmin, start, 10_000);
                assertTrue(m >= TIMEOUT_MS - 100 && a >= TIMEOUT_MS - 100, "not closed before the timeout: " + m + ", " + a);
                assertTrue(m < 8000 && a < 8000, "closed after the request timeout: " + m + ", " + a);
            }
        }
    }

    @Test
    void aTrickleDoesNotExtendTheDeadlineAndTheCapAnswers503(@TempDir Path dir) throws Exception {
        Map<String, String> cfg = Map.of("metrics.listen", "127.0.0.1:0",
                "http.request_timeout_ms", Long.toString(TIMEOUT_MS), "http.max_connections", "3");
        try (PoolHarness pool = PoolHarness.start(dir, cfg)) {
            InetSocketAddress at = pool.running.metrics().address();
            String metrics = "http://127.0.0.1:" + at.getPort() + "/metrics";
            List<Socket> held = new ArrayList<>();
            try {
                long start = System.nanoTime();
                for (int i = 0; i < 3; i++) {
                    held.add(stalled(at, "/metrics"));
                }
                Thread.sleep(200); // let the listener count them
                assertEquals(503, get(metrics, null).statusCode(), "past the cap: refused at once, not queued");

                // one of the holders trickles a header byte every 100 ms: still closed at the deadline
                Socket trickler = held.get(0);
                OutputStream out = trickler.getOutputStream();
                boolean closed = false;
                for (int i = 0; i < 60 && !closed; i++) {
                    try {
                        out.write('a');
                        out.flush();
                    } catch (IOException e) {
                        closed = true;
                    }
                    Thread.sleep(100);
                }
                long t = millisUntilClosed(trickler, start, 5_000);
                assertTrue(t >= 0 && t < 5000, "the trickling client was closed near the deadline: " + t);
                for (Socket s : held) {
                    assertTrue(millisUntilClosed(s, start, 5_000) >= 0, "every stalled client is closed");
                }
                assertEquals(200, get(metrics, null).statusCode(), "slots are free again");
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aClientThatPipelinesAndNeverReadsIsClosedPastTheCap(@TempDir Path dir) throws Exception {
        Map<String, String> cfg = Map.of("metrics.listen", "127.0.0.1:0", "limits.outbound_cap_bytes", "65536");
        try (PoolHarness pool = PoolHarness.start(dir, cfg); Socket greedy = new Socket()) {
            InetSocketAddress at = pool.running.metrics().address();
            String metrics = "http://127.0.0.1:" + at.getPort() + "/metrics";
            greedy.setReceiveBufferSize(2048);
            greedy.connect(at, 2000);
            // thousands of pipelined scrapes in one write, each answered with kilobytes, none of them read
            byte[] one = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[one.length * 2000];
            for (int i = 0; i < 2000; i++) {
                System.arraycopy(one, 0, all, i * one.length, one.length);
            }
            greedy.getOutputStream().write(all);
            greedy.getOutputStream().flush();
            String closes = "templar_outbound_overflow_closes_total{protocol=\"http\",} 1.0";
            PoolHarness.await(Duration.ofSeconds(20), () -> {
                try {
                    return get(metrics, null).body().contains(closes);
                } catch (Exception e) {
                    return false;
                }
            }, "the greedy connection closed past the cap and counted");
            assertTrue(millisUntilClosed(greedy, System.nanoTime(), 10_000) >= 0, "and it is closed");
            assertEquals(200, get(metrics, null).statusCode(), "others are served");
        }
    }
}
