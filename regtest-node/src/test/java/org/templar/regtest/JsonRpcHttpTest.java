package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP and JSON-RPC envelope behaviour a Core client depends on (httprpc.cpp), over real loopback HTTP. */
@Timeout(30)
class JsonRpcHttpTest {
    static RegtestNode node;
    static Rpc rpc;

    @BeforeAll
    static void start() {
        node = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, -1).withCredentials("alice", "s3cret"));
        rpc = new Rpc(node);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return Rpc.JSON.readTree(r.body());
    }

    @Test
    void missingOrWrongCredentialsGet401() {
        HttpResponse<String> none = rpc.send(HttpRequest.newBuilder(node.rpcUri())
                .POST(HttpRequest.BodyPublishers.ofString("{\"method\":\"getblockcount\",\"id\":1}")));
        assertEquals(401, none.statusCode());
        assertEquals("Basic realm=\"jsonrpc\"", none.headers().firstValue("WWW-Authenticate").orElse(""));
        Rpc wrong = new Rpc(node.rpcUri(), "alice", "guess");
        HttpResponse<String> bad = wrong.post("{\"method\":\"getblockcount\",\"id\":1}");
        assertEquals(401, bad.statusCode());
        assertEquals("", bad.body());
    }

    @Test
    void onlyPostIsServed() {
        HttpResponse<String> get = rpc.send(HttpRequest.newBuilder(node.rpcUri()).header("Authorization", rpc.auth()).GET());
        assertEquals(405, get.statusCode());
        HttpResponse<String> elsewhere = rpc.send(HttpRequest.newBuilder(URI.create(node.rpcUri() + "/rest/chaininfo.json"))
                .header("Authorization", rpc.auth()).POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertEquals(404, elsewhere.statusCode());
    }

    @Test
    void malformedJsonIsAParseErrorWithHttp500() throws IOException {
        HttpResponse<String> r = rpc.post("{\"method\": \"getblockcount\", ");
        assertEquals(500, r.statusCode());
        JsonNode body = json(r);
        assertEquals(-32700, body.get("error").get("code").asInt());
        assertEquals("Parse error", body.get("error").get("message").asText());
        assertTrue(body.get("result").isNull());
        assertTrue(body.get("id").isNull());
        HttpResponse<String> scalar = rpc.post("42");
        assertEquals(500, scalar.statusCode());
        assertEquals("Top-level object parse error", json(scalar).get("error").get("message").asText());
    }

    @Test
    void unknownMethodLegacyIs404AndV2Is200() throws IOException {
        HttpResponse<String> legacy = rpc.post("{\"method\":\"getwork\",\"params\":[],\"id\":7}");
        assertEquals(404, legacy.statusCode());
        JsonNode l = json(legacy);
        assertEquals(-32601, l.get("error").get("code").asInt());
        assertEquals("Method not found", l.get("error").get("message").asText());
        assertTrue(l.has("result") && l.get("result").isNull());
        assertEquals(7, l.get("id").asInt());
        assertFalse(l.has("jsonrpc"));

        HttpResponse<String> v2 = rpc.post("{\"jsonrpc\":\"2.0\",\"method\":\"getwork\",\"params\":[],\"id\":\"x\"}");
        assertEquals(200, v2.statusCode());
        JsonNode j = json(v2);
        assertEquals("2.0", j.get("jsonrpc").asText());
        assertFalse(j.has("result"));
        assertEquals(-32601, j.get("error").get("code").asInt());
        assertEquals("x", j.get("id").asText());
    }

    @Test
    void applicationErrorsCarryCoreCodes() throws IOException {
        HttpResponse<String> r = rpc.post("{\"method\":\"getblockhash\",\"params\":[100000],\"id\":1}");
        assertEquals(500, r.statusCode());
        assertEquals(-8, json(r).get("error").get("code").asInt());
        assertEquals("Block height out of range", json(r).get("error").get("message").asText());
        HttpResponse<String> typed = rpc.post("{\"method\":\"getblockhash\",\"params\":[\"zero\"],\"id\":1}");
        assertEquals(-3, json(typed).get("error").get("code").asInt());
        HttpResponse<String> badReq = rpc.post("{\"method\":5,\"id\":1}");
        assertEquals(400, badReq.statusCode());
        assertEquals(-32600, json(badReq).get("error").get("code").asInt());
        assertEquals("Method must be a string", json(badReq).get("error").get("message").asText());
        HttpResponse<String> ok = rpc.post("{\"method\":\"getblockcount\",\"params\":[],\"id\":1}");
        assertEquals(200, ok.statusCode());
        assertEquals("application/json", ok.headers().firstValue("Content-Type").orElse(""));
        JsonNode body = json(ok);
        assertTrue(body.get("error").isNull());
        assertEquals(0, body.get("result").asInt());
    }

    @Test
    void namedParameters() throws IOException {
        HttpResponse<String> r = rpc.post("{\"method\":\"getblockhash\",\"params\":{\"height\":0},\"id\":1}");
        assertEquals(RegtestConsensus.GENESIS_HASH, json(r).get("result").asText());
        HttpResponse<String> unknown = rpc.post("{\"method\":\"getblockhash\",\"params\":{\"hieght\":0},\"id\":1}");
        assertEquals(-8, json(unknown).get("error").get("code").asInt());
        assertEquals("Unknown named parameter hieght", json(unknown).get("error").get("message").asText());
    }

    @Test
    void v2NotificationGets204() {
        HttpResponse<String> r = rpc.post("{\"jsonrpc\":\"2.0\",\"method\":\"getblockcount\",\"params\":[]}");
        assertEquals(204, r.statusCode());
        assertEquals("", r.body());
    }

    @Test
    void batchAnswersEachRequestWithHttp200() throws IOException {
        HttpResponse<String> r = rpc.post("[{\"method\":\"getblockcount\",\"id\":1},"
                + "{\"method\":\"nosuch\",\"id\":2},"
                + "17,"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"getblockcount\"},"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"getbestblockhash\",\"id\":3}]");
        assertEquals(200, r.statusCode());
        JsonNode arr = json(r);
        assertEquals(4, arr.size(), arr.toString());
        assertEquals(0, arr.get(0).get("result").asInt());
        assertEquals(1, arr.get(0).get("id").asInt());
        assertEquals(-32601, arr.get(1).get("error").get("code").asInt());
        assertEquals(-32600, arr.get(2).get("error").get("code").asInt());
        assertEquals("Invalid Request object", arr.get(2).get("error").get("message").asText());
        assertEquals(RegtestConsensus.GENESIS_HASH, arr.get(3).get("result").asText());
        assertEquals("2.0", arr.get(3).get("jsonrpc").asText());
        HttpResponse<String> empty = rpc.post("[]");
        assertEquals(200, empty.statusCode());
        assertEquals(0, json(empty).size());
    }

    @Test
    void chunkedWithContentLengthIsRefusedButChunkedAloneWorks() throws IOException {
        String body = "{\"method\":\"getblockcount\",\"params\":[],\"id\":1}";
        String chunk = Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
        String both = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + rpc.auth() + "\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: " + body.length() + "\r\n\r\n" + chunk;
        String reply = rawExchange(both);
        assertTrue(reply.startsWith("HTTP/1.1 400"), reply);

        String chunkedOnly = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + rpc.auth() + "\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunk;
        String ok = rawExchange(chunkedOnly);
        assertTrue(ok.startsWith("HTTP/1.1 200"), ok);
        assertTrue(ok.contains("\"result\":0"), ok);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        // the first answer is slow on purpose (a wrong password costs 250 ms), the second is instant
        String body = "{\"method\":\"getblockcount\",\"params\":[],\"id\":1}";
        String wrong = "Basic " + java.util.Base64.getEncoder().encodeToString("alice:nope".getBytes(StandardCharsets.UTF_8));
        String first = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + wrong + "\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body;
        String second = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + rpc.auth() + "\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body;
        String reply = rawExchange(first + second);
        int unauthorized = reply.indexOf("HTTP/1.1 401");
        int ok = reply.indexOf("HTTP/1.1 200");
        assertTrue(unauthorized == 0 && ok > unauthorized, reply);
        assertTrue(reply.substring(ok).contains("\"result\":0"), reply);
    }

    @Test
    void linesEndingInABareLineFeedAreReadLikeCore() throws IOException {
        // Core's HTTP server (libevent) ends a line at "\n" with or without "\r"; ckpool sends such requests
        String body = "{\"method\":\"getblockcount\",\"params\":[],\"id\":7}";
        String bare = "POST / HTTP/1.1\nHost: 127.0.0.1\nAuthorization: " + rpc.auth() + "\nContent-Length: " + body.length()
                + "\nConnection: close\n\n" + body;
        String reply = rawExchange(bare);
        assertTrue(reply.startsWith("HTTP/1.1 200"), reply);
        assertTrue(reply.contains("\"result\":0") && reply.contains("\"id\":7"), reply);
    }

    /** Writes a hand-made request (java.net.http refuses to send both length headers) and reads until the server closes. */
    private static String rawExchange(String request) throws IOException {
        try (Socket s = new Socket(node.rpcUri().getHost(), node.rpcUri().getPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n;
            try {
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException e) {
                // the keep-alive case: whatever arrived is the answer
            }
            return got.toString(StandardCharsets.US_ASCII);
        }
    }
}
