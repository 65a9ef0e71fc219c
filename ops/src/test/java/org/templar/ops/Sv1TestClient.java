package org.templar.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/** A raw Stratum V1 client for tests: writes exact lines, reads what the pool really sends. */
final class Sv1TestClient implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    private final Deque<JsonNode> notifications = new ArrayDeque<>();
    private int nextId = 1;

    Sv1TestClient(InetSocketAddress pool) throws IOException {
        this(pool, null);
    }

    /** Connects from {@code local} (e.g. 127.0.0.2: every 127/8 address is loopback on Linux), or any if null. */
    Sv1TestClient(InetSocketAddress pool, java.net.InetAddress local) throws IOException {
        socket = new Socket();
        if (local != null) {
            socket.bind(new InetSocketAddress(local, 0));
        }
        socket.connect(pool, 5000);
        socket.setSoTimeout(10_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
    }

    /** The socket's own streams, for byte-level tests (do not mix with {@link #read} afterwards). */
    java.io.InputStream socketInput() throws IOException {
        return socket.getInputStream();
    }

    OutputStream socketOutput() {
        return out;
    }

    void sendRaw(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends a request and returns its response, keeping notifications that arrive meanwhile. */
    JsonNode call(String method, String paramsJson) throws IOException {
        int id = nextId++;
        sendRaw("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + paramsJson + "}\n");
        return responseTo(id);
    }

    JsonNode responseTo(int id) throws IOException {
        while (true) {
            JsonNode n = read();
            if (n == null) {
                throw new IOException("connection closed while waiting for the answer to " + id);
            }
            if (n.has("method")) {
                notifications.add(n);
            } else if (n.path("id").asInt(-1) == id) {
                return n;
            }
        }
    }

    /** The next line as JSON, or null if none arrives within {@code within} (or at end of stream). */
    JsonNode readWithin(java.time.Duration within) throws IOException {
        int before = socket.getSoTimeout();
        socket.setSoTimeout((int) Math.max(1, within.toMillis()));
        try {
            return read();
        } catch (java.net.SocketTimeoutException e) {
            return null;
        } finally {
            socket.setSoTimeout(before);
        }
    }

    /** The next line as JSON, or null at end of stream. */
    JsonNode read() throws IOException {
        String line = in.readLine();
        return line == null ? null : JSON.readTree(line);
    }

    /** The next notification with this method (earlier ones kept aside are looked at first). */
    JsonNode awaitNotification(String method) throws IOException {
        for (var it = notifications.iterator(); it.hasNext();) {
            JsonNode n = it.next();
            it.remove();
            if (n.path("method").asText().equals(method)) {
                return n;
            }
        }
        while (true) {
            JsonNode n = read();
            if (n == null) {
                throw new IOException("connection closed while waiting for " + method);
            }
            if (n.path("method").asText().equals(method)) {
                return n;
            }
        }
    }

    /**
     * The next notification with this method arriving within {@code within}, or null if none does
     * (other lines read meanwhile are kept as in {@link #call}).
     */
    JsonNode pollNotification(String method, java.time.Duration within) throws IOException {
        for (var it = notifications.iterator(); it.hasNext();) {
            JsonNode n = it.next();
            if (n.path("method").asText().equals(method)) {
                it.remove();
                return n;
            }
        }
        long end = System.nanoTime() + within.toNanos();
        int before = socket.getSoTimeout();
        try {
            while (true) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return null;
                }
                socket.setSoTimeout((int) left);
                JsonNode n;
                try {
                    n = read();
                } catch (SocketTimeoutException e) {
                    return null;
                }
                if (n == null) {
                    throw new IOException("connection closed while waiting for " + method);
                }
                if (n.path("method").asText().equals(method)) {
                    return n;
                }
                if (n.has("method")) {
                    notifications.add(n);
                }
            }
        } finally {
            socket.setSoTimeout(before);
        }
    }

    /** Drops notifications read so far. */
    void clearNotifications() {
        notifications.clear();
    }

    /** True when the pool closed the connection (read returns end of stream) within the timeout. */
    boolean closedByPeer() throws IOException {
        try {
            while (true) {
                String line = in.readLine();
                if (line == null) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by peer
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
