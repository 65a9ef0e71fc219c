package org.templar.client.miner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.templar.pool.sv1.codec.Sv1Decoder;
import org.templar.pool.sv1.codec.Sv1Encoder;
import org.templar.pool.sv1.codec.Sv1Message;
import org.templar.pool.sv1.codec.Sv1Request;
import org.templar.pool.sv1.codec.Sv1Response;
import org.templar.pool.sv1.codec.Sv1Result;

/** The session state machine alone: typed messages in, requests and jobs out, no sockets and no threads. */
class MinerSessionTest {
    private static final HexFormat HEX = HexFormat.of();

    private final List<Sv1Message> sent = new ArrayList<>();
    private final List<MinerJob> published = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final MinerCounters counters = new MinerCounters();

    private final MinerSession.Link link = new MinerSession.Link() {
        @Override
        public void send(Sv1Message message) {
            sent.add(message);
        }

        @Override
        public void reconnect(Optional<String> host, OptionalInt port, Duration wait) {
            events.add("reconnect " + host.orElse("-") + ":" + (port.isPresent() ? port.getAsInt() : -1) + " after "
                    + wait.toSeconds());
        }

        @Override
        public void fatal(String reason) {
            events.add("fatal " + reason);
        }

        @Override
        public void subscribed(String sessionId) {
            events.add("session " + sessionId);
        }

        @Override
        public void established() {
            events.add("established");
        }

        @Override
        public void shareAnswered() {
            events.add("answered");
        }
    };

    private MinerSession session(boolean rolling) {
        MinerConfig cfg = MinerConfig.of("stratum+tcp://127.0.0.1:3333", "worker.1").withThreads(1)
                .withVersionRolling(rolling).withSuggestDifficulty(Optional.of(0.5));
        return new MinerSession(cfg, link, published::add, counters, new AtomicLong());
    }

    private static Sv1Message line(String json) throws Exception {
        return Sv1Decoder.decodeFromPool(json);
    }

    /** A request's parameters as the pool reads them off the wire. */
    private static JsonNode params(Sv1Message request) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(Sv1Encoder.encode(request)).get("params");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> texts(Sv1Message request) {
        List<String> out = new ArrayList<>();
        params(request).forEach(n -> out.add(n.asText()));
        return out;
    }

    private Sv1Request lastRequest() {
        return (Sv1Request) sent.get(sent.size() - 1);
    }

    private String methods() {
        StringBuilder sb = new StringBuilder();
        for (Sv1Message m : sent) {
            if (m instanceof Sv1Request r) {
                sb.append(r.method()).append(' ');
            }
        }
        return sb.toString().trim();
    }

    private static String notify(String id, boolean clean) {
        TestJob j = TestJob.build(id, 0x1d00ffff, "/t/");
        return "{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"" + id + "\",\"" + j.prevHashWire() + "\",\""
                + HEX.formatHex(j.coinb1()) + "\",\"" + HEX.formatHex(j.coinb2()) + "\",[\""
                + HEX.formatHex(j.branch().get(0)) + "\",\"" + HEX.formatHex(j.branch().get(1))
                + "\"],\"20000000\",\"1d00ffff\",\"66236337\"," + clean + "]}";
    }

    /** Runs the handshake to AUTHORIZED with extranonce1 01020304 / 4 bytes, granting {@code grant}. */
    private MinerSession ready(boolean rolling, String grant) throws Exception {
        MinerSession s = session(rolling);
        s.start();
        if (rolling) {
            assertEquals("mining.configure", lastRequest().method());
            s.onMessage(line("{\"id\":1,\"result\":{\"version-rolling\":true,\"version-rolling.mask\":\"" + grant
                    + "\"},\"error\":null}"));
        }
        Sv1Request sub = lastRequest();
        assertEquals("mining.subscribe", sub.method());
        s.onMessage(line("{\"id\":" + sub.id() + ",\"result\":[[[\"mining.notify\",\"ab\"]],\"01020304\",4],\"error\":null}"));
        assertEquals(MinerSession.State.AUTHORIZING, s.state());
        Sv1Request auth = (Sv1Request) sent.stream().filter(m -> m instanceof Sv1Request r
                && r.method().equals("mining.authorize")).findFirst().orElseThrow();
        assertEquals("worker.1", params(auth).get(0).asText());
        s.onMessage(line("{\"id\":" + auth.id() + ",\"result\":true,\"error\":null}"));
        assertEquals(MinerSession.State.AUTHORIZED, s.state());
        return s;
    }

    private static FoundShare share(MinerJob job, int bits, boolean block) {
        return new FoundShare(job, new byte[] {0, 0, 0, 7}, job.ntime(), 0x1234abcd, bits, new byte[32], block);
    }

    @Test
    void handshakeInOrderAndMaskIsNeverWiderThanAsked() throws Exception {
        MinerSession s = ready(true, "ffffffff");
        assertEquals("mining.configure mining.subscribe mining.suggest_difficulty mining.authorize mining.extranonce.subscribe",
                methods());
        assertEquals(MinerConfig.BIP320_MASK, s.versionMask(), "a pool granting ffffffff gets only the bits asked for");
        JsonNode ext = params(sent.get(0)).get(1);
        assertEquals("1fffe000", ext.path("version-rolling.mask").asText());
        assertEquals(List.of("session ab", "established"), events);
        assertEquals(1, params(sent.get(1)).size(), "a first subscription resumes nothing");
    }

    @Test
    void reconnectOffersThePreviousSessionId() throws Exception {
        MinerConfig cfg = MinerConfig.of("stratum+tcp://127.0.0.1:3333", "worker.1").withVersionRolling(false);
        MinerSession s = new MinerSession(cfg, link, published::add, counters, new AtomicLong(), Optional.of("ab"));
        s.start();
        assertEquals(List.of(MinerConfig.DEFAULT_USER_AGENT, "ab"),
                texts(lastRequest()));
    }

    @Test
    void difficultyAndExtranonceChangesWaitForTheNextJob() throws Exception {
        MinerSession s = ready(false, null);
        s.onMessage(line("{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[0.25]}"));
        s.onMessage(line(notify("j1", true)));
        MinerJob j1 = published.get(0);
        assertEquals(0.25, j1.difficulty().value());
        assertArrayEquals(HEX.parseHex("01020304"), j1.extranonce1Bytes());
        s.onMessage(line("{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[4]}"));
        s.onMessage(line("{\"id\":null,\"method\":\"mining.set_extranonce\",\"params\":[\"0a0b\",6]}"));
        assertEquals(1, published.size(), "neither change restarts the current job");
        s.onMessage(line(notify("j2", false)));
        MinerJob j2 = published.get(1);
        assertEquals(4.0, j2.difficulty().value());
        assertArrayEquals(HEX.parseHex("0a0b"), j2.extranonce1Bytes());
        assertEquals(6, j2.extranonce2Size());
        // j1 was not cancelled (clean_jobs=false): its shares still go out, at its own difficulty.
        int before = sent.size();
        s.onShareFound(share(j1, 0, false));
        assertEquals(before + 1, sent.size());
        assertEquals("mining.submit", lastRequest().method());
        assertEquals(List.of("worker.1", "j1", "00000007", "66236337", "1234abcd"),
                texts(lastRequest()));
    }

    @Test
    void cleanJobsDropsSharesOfCancelledWork() throws Exception {
        MinerSession s = ready(false, null);
        s.onMessage(line(notify("j1", true)));
        MinerJob j1 = published.get(0);
        s.onMessage(line(notify("j2", true)));
        int before = sent.size();
        s.onShareFound(share(j1, 0, false));
        assertEquals(before, sent.size(), "a share for a cancelled job is not submitted");
        assertEquals(1, counters.snapshot(0, 0, 1, Duration.ZERO).discarded());
    }

    @Test
    void versionMaskChangeRestartsWorkAndFiltersBits() throws Exception {
        MinerSession s = ready(true, "00ffe000");
        assertEquals(0x00ffe000, s.versionMask());
        s.onMessage(line(notify("j1", true)));
        MinerJob j1 = published.get(0);
        assertEquals(0x00ffe000, j1.versionMask());
        s.onMessage(line("{\"id\":null,\"method\":\"mining.set_version_mask\",\"params\":[\"00006000\"]}"));
        MinerJob restarted = published.get(1);
        assertEquals("j1", restarted.jobId());
        assertEquals(0x00006000, restarted.versionMask());
        int before = sent.size();
        s.onShareFound(share(j1, 0x00800000, false)); // allowed before, forbidden now
        assertEquals(before, sent.size());
        s.onShareFound(share(j1, 0x00004000, false)); // allowed by both masks: still valid work
        assertEquals("00004000", params(lastRequest()).get(5).asText());
    }

    @Test
    void answersAreCountedByOutcome() throws Exception {
        MinerSession s = ready(false, null);
        s.onMessage(line(notify("j1", true)));
        MinerJob j1 = published.get(0);
        long[] ids = new long[4];
        boolean[] block = {false, true, false, false};
        for (int i = 0; i < 4; i++) {
            s.onShareFound(share(j1, 0, block[i]));
            ids[i] = lastRequest().id().asLong().getAsLong();
            assertEquals(5, params(lastRequest()).size(), "no version bits without rolling");
        }
        s.onMessage(line("{\"id\":" + ids[0] + ",\"result\":true,\"error\":null}"));
        s.onMessage(line("{\"id\":" + ids[1] + ",\"result\":true,\"error\":null}"));
        s.onMessage(line("{\"id\":" + ids[2] + ",\"result\":null,\"error\":[23,\"Low difficulty share\",null]}"));
        s.onMessage(line("{\"id\":" + ids[3] + ",\"result\":false,\"error\":null}"));
        MinerStats st = counters.snapshot(0, 0, 1, Duration.ZERO);
        assertEquals(2, st.accepted());
        assertEquals(1, st.blocks());
        assertEquals("00".repeat(32), st.lastBlockHash().orElseThrow());
        assertEquals(Map.of(23, 1L, 20, 1L), st.rejectedByCode());
    }

    @Test
    void poolRequestsAndRefusals() throws Exception {
        MinerSession s = ready(false, null);
        s.onMessage(line("{\"id\":9,\"method\":\"client.get_version\",\"params\":[]}"));
        Sv1Response v = (Sv1Response) sent.get(sent.size() - 1);
        assertEquals(MinerConfig.DEFAULT_USER_AGENT, ((Sv1Result.Text) v.result()).value());
        s.onMessage(line("{\"id\":10,\"method\":\"client.dance\",\"params\":[]}"));
        assertEquals(-32601, ((Sv1Response) sent.get(sent.size() - 1)).error().code());
        s.onMessage(line("{\"id\":null,\"method\":\"client.reconnect\",\"params\":[\"other.pool\",3334,7]}"));
        assertEquals("reconnect other.pool:3334 after 7", events.get(events.size() - 1));
        // a malformed notify is ignored, not fatal
        s.onMessage(line("{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"x\"]}"));
        assertTrue(published.isEmpty());

        MinerSession refused = session(false);
        refused.start();
        refused.onMessage(line("{\"id\":1,\"result\":[[],\"00\",4],\"error\":null}"));
        // ids: 1 subscribe, 2 suggest_difficulty, 3 authorize, 4 extranonce.subscribe
        refused.onMessage(line("{\"id\":2,\"result\":null,\"error\":[20,\"no suggestions here\",null]}"));
        assertEquals("reconnect other.pool:3334 after 7", events.get(events.size() - 1), "declined suggestion is not fatal");
        refused.onMessage(line("{\"id\":3,\"result\":null,\"error\":[24,\"bad address\",null]}"));
        assertTrue(events.get(events.size() - 1).startsWith("fatal pool refused worker 'worker.1': bad address"));
        assertEquals(MinerSession.State.AUTHORIZING, refused.state());
    }
}
