package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Core's HTTP and JSON-RPC envelope behaviour, over real loopback HTTP. */
@Timeout(30)
class JsonRpcHttpServerTest {
    private JsonRpcHttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A small real method table: sums numbers, fails on request, or does not know the method. */
    private static JsonNode methods(String method, JsonNode params) throws RpcException {
        switch (method) {
            case "add": {
                if (params.isObject()) {
                    return IntNode.valueOf(params.path("a").asInt() + params.path("b").asInt());
                }
                int sum = 0;
                for (JsonNode p : params) {
                    sum += p.asInt();
                }
                return IntNode.valueOf(sum);
            }
            case "nothing":
                return null;
            case "fail":
                throw new RpcException(RpcException.RPC_INVALID_PARAMETER, "Block height out of range");
            case "crash":
                throw new IllegalStateException("boom");
            default:
                throw new RpcException(RpcException.RPC_METHOD_NOT_FOUND, "Method not found");
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = JsonRpcHttpServer.start("127.0.0.1", 0, "alice", "s3cret", JsonRpcHttpServerTest::methods);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> post(String body, String user, String password) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri()).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String body) throws Exception {
        return post(body, "alice", "s3cret");
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JsonRpcProcessor.MAPPER.readTree(r.body());
    }

    @Test
    void missingCredentialsAreChallenged() throws Exception {
        HttpResponse<String> r = post("{\"method\":\"add\",\"params\":[1]}", null, null);
        assertEquals(401, r.statusCode());
        assertEquals("Basic realm=\"jsonrpc\"", r.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals("", r.body());
    }

    @Test
    void wrongPasswordIsRefusedAfterAPause() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = post("{\"method\":\"add\",\"params\":[1]}", "alice", "guess");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(401, r.statusCode());
        assertTrue(ms >= 200, "bad credentials answered after " + ms + " ms");
        assertEquals(401, post("{\"method\":\"add\"}", "mallory", "s3cret").statusCode());
    }

    @Test
    void onlyPostIsServed() throws Exception {
        HttpRequest get = HttpRequest.newBuilder(server.uri()).header("Authorization", "Basic "
                + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8))).GET().build();
        HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
        assertEquals(405, r.statusCode());
        assertEquals("JSONRPC server handles only POST requests", r.body());
    }

    @Test
    void legacyRequestSucceedsWithResultErrorAndId() throws Exception {
        HttpResponse<String> r = post("{\"jsonrpc\":\"1.0\",\"id\":\"t1\",\"method\":\"add\",\"params\":[2,3]}");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        JsonNode j = json(r);
        assertEquals(5, j.get("result").asInt());
        assertTrue(j.get("error").isNull());
        assertEquals("t1", j.get("id").asText());
        assertFalse(j.has("jsonrpc"));
    }

    @Test
    void namedParametersArriveAsObject() throws Exception {
        JsonNode j = json(post("{\"id\":7,\"method\":\"add\",\"params\":{\"a\":4,\"b\":6}}"));
        assertEquals(10, j.get("result").asInt());
        assertEquals(7, j.get("id").asInt());
    }

    @Test
    void nullResultIsExplicit() throws Exception {
        JsonNode j = json(post("{\"id\":1,\"method\":\"nothing\",\"params\":[]}"));
        assertTrue(j.has("result") && j.get("result").isNull());
        assertTrue(j.get("error").isNull());
    }

    @Test
    void legacyErrorsUseHttpStatusLikeCore() throws Exception {
        HttpResponse<String> notFound = post("{\"id\":1,\"method\":\"getnothing\",\"params\":[]}");
        assertEquals(404, notFound.statusCode());
        JsonNode j = json(notFound);
        assertEquals(-32601, j.get("error").get("code").asInt());
        assertEquals("Method not found", j.get("error").get("message").asText());
        assertTrue(j.get("result").isNull());

        HttpResponse<String> failed = post("{\"id\":2,\"method\":\"fail\",\"params\":[]}");
        assertEquals(500, failed.statusCode());
        assertEquals(-8, json(failed).get("error").get("code").asInt());
        assertEquals("Block height out of range", json(failed).get("error").get("message").asText());

        HttpResponse<String> crashed = post("{\"id\":3,\"method\":\"crash\"}");
        assertEquals(500, crashed.statusCode());
        assertEquals(-1, json(crashed).get("error").get("code").asInt());
        assertEquals("boom", json(crashed).get("error").get("message").asText());
    }

    @Test
    void jsonRpc2ErrorsComeWithHttp200AndNoResultMember() throws Exception {
        HttpResponse<String> r = post("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"getnothing\"}");
        assertEquals(200, r.statusCode());
        JsonNode j = json(r);
        assertEquals("2.0", j.get("jsonrpc").asText());
        assertEquals(-32601, j.get("error").get("code").asInt());
        assertFalse(j.has("result"));
        assertEquals(9, j.get("id").asInt());

        JsonNode ok = json(post("{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"add\",\"params\":[1,1]}"));
        assertEquals(2, ok.get("result").asInt());
        assertFalse(ok.has("error"));
    }

    @Test
    void jsonRpc2NotificationGetsNoContent() throws Exception {
        HttpResponse<String> r = post("{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1]}");
        assertEquals(204, r.statusCode());
        assertEquals("", r.body());
    }

    @Test
    void malformedJsonIsParseError() throws Exception {
        HttpResponse<String> r = post("{\"method\": \"add\", ");
        assertEquals(500, r.statusCode());
        JsonNode j = json(r);
        assertEquals(-32700, j.get("error").get("code").asInt());
        assertEquals("Parse error", j.get("error").get("message").asText());
        assertTrue(j.get("id").isNull());

        HttpResponse<String> scalar = post("42");
        assertEquals(500, scalar.statusCode());
        assertEquals("Top-level object parse error", json(scalar).get("error").get("message").asText());
    }

    @Test
    void invalidRequestObjectsAre400() throws Exception {
        HttpResponse<String> r = post("{\"id\":1,\"method\":5}");
        assertEquals(400, r.statusCode());
        assertEquals(-32600, json(r).get("error").get("code").asInt());
        assertEquals("Method must be a string", json(r).get("error").get("message").asText());
        HttpResponse<String> p = post("{\"id\":1,\"method\":\"add\",\"params\":3}");
        assertEquals(400, p.statusCode());
        assertEquals("Params must be an array or object", json(p).get("error").get("message").asText());
    }

    @Test
    void batchAnswersEachRequestInOrderWithHttp200() throws Exception {
        HttpResponse<String> r = post("[{\"id\":1,\"method\":\"add\",\"params\":[1,2]},"
                + "{\"id\":2,\"method\":\"nope\"},"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[5]},"
                + "7,"
                + "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"fail\"}]");
        assertEquals(200, r.statusCode());
        JsonNode j = json(r);
        assertEquals(4, j.size(), "the 2.0 notification gets no entry: " + j);
        assertEquals(3, j.get(0).get("result").asInt());
        assertEquals(1, j.get(0).get("id").asInt());
        assertEquals(-32601, j.get(1).get("error").get("code").asInt());
        assertEquals(-32600, j.get(2).get("error").get("code").asInt());
        assertEquals(-8, j.get(3).get("error").get("code").asInt());
        assertEquals("2.0", j.get(3).get("jsonrpc").asText());
    }

    @Test
    void chunkedBodyWithContentLengthIsRefusedWith400() throws Exception {
        String body = "{\"id\":1,\"method\":\"add\",\"params\":[1,2]}";
        String auth = Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
        String chunk = Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
        String req = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " + auth + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunk;
        assertEquals(400, rawStatus(req));

        // the same request without the conflicting header is served
        String ok = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " + auth + "\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunk;
        assertEquals(200, rawStatus(ok));
    }

    private int rawStatus(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                line.append((char) c);
            }
            String[] parts = line.toString().trim().split(" ");
            return Integer.parseInt(parts[1]);
        }
    }

    @Test
    void closeReleasesThePortAndIsIdempotent() throws Exception {
        int port = server.port();
        server.close();
        server.close();
        try (ServerSocket again = new ServerSocket()) {
            again.setReuseAddress(true);
            again.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            assertEquals(port, again.getLocalPort());
        }
    }
}
