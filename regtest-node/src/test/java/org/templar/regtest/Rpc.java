package org.templar.regtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** A minimal JSON-RPC 1.0 client over java.net.http, as a pool or bitcoin-cli would talk to the node. */
final class Rpc {
    /** Amounts are read as exact decimals, as Core writes them (e.g. 50.00000000). */
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));

    /** An error object returned by the node. */
    static final class Error extends RuntimeException {
        final int code;
        final int status;

        Error(int code, String message, int status) {
            super(code + ": " + message);
            this.code = code;
            this.status = status;
        }

        String text() {
            return getMessage().substring(getMessage().indexOf(": ") + 2);
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI uri;
    private final String auth;

    Rpc(RegtestNode node) {
        this(node.rpcUri(), node.rpcUser(), node.rpcPassword());
    }

    Rpc(URI uri, String user, String password) {
        this.uri = uri;
        this.auth = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    URI uri() {
        return uri;
    }

    String auth() {
        return auth;
    }

    JsonNode call(String method, Object... params) {
        ObjectNode req = JSON.createObjectNode();
        req.put("id", 1);
        req.put("method", method);
        ArrayNode p = req.putArray("params");
        for (Object o : params) {
            p.add(JSON.valueToTree(o));
        }
        HttpResponse<String> resp = post(req.toString());
        JsonNode body;
        try {
            body = JSON.readTree(resp.body());
        } catch (IOException e) {
            throw new IllegalStateException("not JSON (HTTP " + resp.statusCode() + "): " + resp.body(), e);
        }
        JsonNode err = body.get("error");
        if (err != null && !err.isNull()) {
            throw new Error(err.get("code").asInt(), err.get("message").asText(), resp.statusCode());
        }
        if (resp.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + resp.statusCode() + " without error object");
        }
        return body.get("result");
    }

    HttpResponse<String> post(String body) {
        return send(HttpRequest.newBuilder(uri).header("Authorization", auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return client.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
