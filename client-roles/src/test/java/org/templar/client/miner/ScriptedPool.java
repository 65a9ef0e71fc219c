package org.templar.client.miner;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Block;
import org.bitcoinj.core.Transaction;

/**
 * A scripted Stratum V1 pool for tests: a plain ServerSocket on an OS-chosen loopback port speaking real
 * protocol lines. It answers the handshake, sends the jobs and difficulties the test asks for, and checks
 * every submitted share by rebuilding the coinbase and block header with bitcoinj (not with the code
 * under test) before answering true or an error.
 */
final class ScriptedPool implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    /** One mining.submit as the pool saw and checked it. */
    record Submission(int connection, String jobId, String extranonce2, int ntime, int nonce, Integer versionBits,
            int versionMask, long headerVersion, BigInteger hash, String hashHex, double jobDifficulty,
            boolean meetsShareTarget, boolean meetsNetworkTarget, boolean jobLive, Block block, Instant at) {}

    /** The answer to a share: null = accept, else an SV1 error code. */
    interface Judge extends Function<Submission, Integer> {}

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Conn> conns = new CopyOnWriteArrayList<>();
    private final Map<String, TestJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, Double> jobDifficulty = new ConcurrentHashMap<>();
    private final Map<String, Boolean> jobLive = new ConcurrentHashMap<>();
    final BlockingQueue<Submission> submissions = new LinkedBlockingQueue<>();
    /** Shares this pool answered as accepted, over all its connections ({@link #submissions} is drained by tests). */
    final java.util.concurrent.atomic.AtomicLong acceptedShares = new java.util.concurrent.atomic.AtomicLong();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<JsonNode> subscribeParams = new CopyOnWriteArrayList<>();
    /** Anything the pool could not make sense of: a test fails if this is not empty. */
    final List<Throwable> problems = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    volatile Integer grantMask; // null: refuse version rolling
    volatile double difficulty;
    volatile TestJob initialJob;
    volatile boolean refuseAuthorize;
    volatile Judge judge = s -> !s.jobLive() ? Integer.valueOf(21) : s.meetsShareTarget() ? null : Integer.valueOf(23);

    ScriptedPool(Integer grantMask, double difficulty, TestJob initialJob) throws IOException {
        this.grantMask = grantMask;
        this.difficulty = difficulty;
        this.initialJob = initialJob;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "scripted-pool-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    String url() {
        return "stratum+tcp://127.0.0.1:" + port();
    }

    int connections() {
        return connections.get();
    }

    Submission next(Duration timeout) throws InterruptedException {
        Submission s = submissions.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (s == null) {
            throw new AssertionError("no share submitted within " + timeout);
        }
        return s;
    }

    /** Waits until a share for {@code jobId} arrives, returning every submission seen on the way. */
    List<Submission> until(String jobId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Submission> seen = new ArrayList<>();
        while (true) {
            Submission s = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            seen.add(s);
            if (s.jobId().equals(jobId)) {
                return seen;
            }
        }
    }

    // ---- scripted server messages (to the newest connection) ----

    void notify(TestJob job, boolean clean) {
        jobs.put(job.id(), job);
        jobDifficulty.put(job.id(), difficulty);
        if (clean) {
            jobLive.replaceAll((k, v) -> false);
        }
        jobLive.put(job.id(), true);
        ArrayNode p = JSON.createArrayNode();
        p.add(job.id()).add(job.prevHashWire()).add(HEX.formatHex(job.coinb1())).add(HEX.formatHex(job.coinb2()));
        ArrayNode branch = p.addArray();
        job.branch().forEach(b -> branch.add(HEX.formatHex(b)));
        p.add(String.format("%08x", job.version())).add(String.format("%08x", job.nbits()))
                .add(String.format("%08x", job.ntime())).add(clean);
        sendAll(notification("mining.notify", p));
    }

    /** Pools apply a new difficulty to jobs sent after it; shares on older jobs keep the old one. */
    void setDifficulty(double d) {
        difficulty = d;
        sendAll(notification("mining.set_difficulty", JSON.createArrayNode().add(d)));
    }

    void setVersionMask(int mask) {
        grantMask = mask;
        sendAll(notification("mining.set_version_mask", JSON.createArrayNode().add(String.format("%08x", mask))));
    }

    void reconnect(String host, int port, int wait) {
        sendAll(notification("client.reconnect", JSON.createArrayNode().add(host).add(port).add(wait)));
    }

    void showMessage(String text) {
        sendAll(notification("client.show_message", JSON.createArrayNode().add(text)));
    }

    /** Any text, as is (plus the newline): for garbage and oversized lines. */
    void sendRaw(String line) {
        sendAll(line);
    }

    /** Drops every open connection, as a crashing pool would. */
    void dropConnections() {
        for (Conn c : conns) {
            c.close();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropConnections();
    }

    // ---- internals ----

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setSoTimeout(60_000);
                Conn c = new Conn(s, connections.incrementAndGet());
                conns.add(c);
                Thread t = new Thread(c::readLoop, "scripted-pool-conn-" + c.index);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void sendAll(String line) {
        for (Conn c : conns) {
            c.send(line);
        }
    }

    private static String notification(String method, ArrayNode params) {
        ObjectNode n = JSON.createObjectNode();
        n.putNull("id");
        n.put("method", method);
        n.set("params", params);
        return n.toString();
    }

    private final class Conn {
        final Socket socket;
        final int index;
        final OutputStream out;
        final byte[] extranonce1;

        Conn(Socket socket, int index) throws IOException {
            this.socket = socket;
            this.index = index;
            this.out = socket.getOutputStream();
            this.extranonce1 = HEX.parseHex(String.format("%08x", 0xa0000000 + index));
        }

        synchronized void send(String line) {
            try {
                out.write((line + "\n").getBytes(UTF_8));
                out.flush();
            } catch (IOException e) {
                // the miner went away; its reader thread notices
            }
        }

        void close() {
            conns.remove(this);
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }

        void readLoop() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    try {
                        handle(JSON.readTree(line));
                    } catch (RuntimeException | AssertionError e) {
                        problems.add(e);
                        e.printStackTrace();
                    }
                }
            } catch (IOException e) {
                // connection over
            } finally {
                close();
            }
        }

        private void reply(JsonNode id, JsonNode result, Integer errorCode, String message) {
            ObjectNode r = JSON.createObjectNode();
            r.set("id", id);
            if (errorCode == null) {
                r.set("result", result);
                r.putNull("error");
            } else {
                r.putNull("result");
                r.set("error", JSON.createArrayNode().add(errorCode).add(message).addNull());
            }
            send(r.toString());
        }

        private void handle(JsonNode msg) {
            String method = msg.path("method").asText();
            JsonNode id = msg.get("id");
            JsonNode params = msg.path("params");
            requests.add(index + ":" + method);
            switch (method) {
                case "mining.configure": {
                    Integer grant = grantMask;
                    ObjectNode result = JSON.createObjectNode();
                    if (grant != null && params.get(0).toString().contains("version-rolling")) {
                        int asked = (int) Long.parseLong(params.get(1).path("version-rolling.mask").asText("ffffffff"), 16);
                        result.put("version-rolling", true);
                        result.put("version-rolling.mask", String.format("%08x", grant & asked));
                        grantMask = grant & asked;
                    } else {
                        result.put("version-rolling", false);
                    }
                    reply(id, result, null, null);
                    break;
                }
                case "mining.subscribe": {
                    subscribeParams.add(params);
                    ArrayNode result = JSON.createArrayNode();
                    ArrayNode subs = result.addArray();
                    subs.addArray().add("mining.set_difficulty").add("s" + index);
                    subs.addArray().add("mining.notify").add("s" + index);
                    result.add(HEX.formatHex(extranonce1)).add(TestJob.EN2_SIZE);
                    reply(id, result, null, null);
                    // Like real pools: difficulty and a job right after the subscription.
                    send(notification("mining.set_difficulty", JSON.createArrayNode().add(difficulty)));
                    TestJob job = initialJob;
                    if (job != null) {
                        jobs.put(job.id(), job);
                        jobDifficulty.put(job.id(), difficulty);
                        jobLive.put(job.id(), true);
                        ArrayNode p = JSON.createArrayNode();
                        p.add(job.id()).add(job.prevHashWire()).add(HEX.formatHex(job.coinb1()))
                                .add(HEX.formatHex(job.coinb2()));
                        ArrayNode branch = p.addArray();
                        job.branch().forEach(b -> branch.add(HEX.formatHex(b)));
                        p.add(String.format("%08x", job.version())).add(String.format("%08x", job.nbits()))
                                .add(String.format("%08x", job.ntime())).add(true);
                        send(notification("mining.notify", p));
                    }
                    break;
                }
                case "mining.authorize":
                    reply(id, JSON.getNodeFactory().booleanNode(!refuseAuthorize), null, null);
                    break;
                case "mining.submit": {
                    Submission s = check(params);
                    Integer code = judge.apply(s);
                    if (code == null) {
                        acceptedShares.incrementAndGet();
                        reply(id, JSON.getNodeFactory().booleanNode(true), null, null);
                    } else {
                        reply(id, null, code, "rejected by script (" + code + ")");
                    }
                    submissions.add(s);
                    break;
                }
                default:
                    if (id != null && !id.isNull()) {
                        reply(id, JSON.getNodeFactory().booleanNode(true), null, null);
                    }
            }
        }

        /** Rebuilds the block from the submission with bitcoinj and judges its hash. */
        private Submission check(JsonNode p) {
            String jobId = p.get(1).asText();
            TestJob job = jobs.get(jobId);
            if (job == null) {
                throw new AssertionError("share for a job the pool never sent: " + jobId);
            }
            String en2 = p.get(2).asText();
            int ntime = (int) Long.parseLong(p.get(3).asText(), 16);
            int nonce = (int) Long.parseLong(p.get(4).asText(), 16);
            Integer bits = p.size() > 5 ? (int) Long.parseLong(p.get(5).asText(), 16) : null;
            Integer granted = grantMask;
            int mask = granted == null ? 0 : granted;
            int version = bits == null ? job.version() : (job.version() & ~mask) | (bits & mask);
            byte[] coinbase = concat(job.coinb1(), extranonce1, HEX.parseHex(en2), job.coinb2());
            List<Transaction> txs = new ArrayList<>();
            txs.add(Transaction.read(ByteBuffer.wrap(coinbase)));
            txs.addAll(job.others());
            Block block = new Block(version & 0xffffffffL, Sha256Hash.wrap(job.prevHashDisplay()), null,
                    Instant.ofEpochSecond(ntime & 0xffffffffL), job.nbits() & 0xffffffffL, nonce & 0xffffffffL, txs);
            Sha256Hash hash = block.getHash();
            BigInteger h = hash.toBigInteger();
            double diff = jobDifficulty.get(jobId);
            boolean meetsShare = h.compareTo(TestJob.shareTarget(diff)) <= 0;
            boolean meetsNetwork = h.compareTo(block.getDifficultyTargetAsInteger()) <= 0;
            return new Submission(index, jobId, en2, ntime, nonce, bits, mask, version & 0xffffffffL, h,
                    hash.toString(), diff, meetsShare, meetsNetwork, jobLive.getOrDefault(jobId, false), block,
                    Instant.now());
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
