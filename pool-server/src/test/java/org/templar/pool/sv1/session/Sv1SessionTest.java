package org.templar.pool.sv1.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.BanList;
import org.templar.pool.core.BlockSubmitter;
import org.templar.pool.core.CountingMetrics;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.pool.core.InMemoryLedger;
import org.templar.pool.core.PayoutMode;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.ShareProcessor;
import org.templar.pool.core.TestShares;
import org.templar.pool.core.TestShares.Found;
import org.templar.pool.core.VardiffSettings;
import org.templar.pool.job.Job;
import org.templar.pool.job.JobId;
import org.templar.pool.job.Template;
import org.templar.pool.job.TestTemplates;
import org.templar.pool.sv1.codec.Sv1Decoder;
import org.templar.pool.sv1.codec.Sv1Encoder;
import org.templar.pool.sv1.codec.Sv1Message;
import org.templar.pool.sv1.codec.Sv1Methods;
import org.templar.pool.sv1.codec.Sv1ProtocolException;
import org.templar.share.Difficulty;
import org.templar.share.Hex;
import org.templar.share.Target;

/**
 * The Stratum V1 state machine on its own: lines a miner would send go through the codec into the
 * session; what the session sends is read back as the JSON the miner would get. Real jobs, real
 * hashing and the real share processor; an in-memory ledger; no socket, no database, no node.
 */
@Timeout(30)
class Sv1SessionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADDRESS = TestShares.ADDRESS;
    private static final String USER = ADDRESS + ".rig1";
    /** The pool's rollable version bits (BIP320). */
    private static final int POOL_MASK = 0x1fffe000;
    /** Every connection starts here (about one hash in 400 meets it); vardiff waits 30 s to move. */
    private static final double DIFFICULTY = 1e-7;
    private static final Target TARGET = Difficulty.of(DIFFICULTY).toTarget();

    /** The connection as the session sees it: every message sent, as the line the miner reads. */
    static final class Link implements Sv1Output {
        final List<JsonNode> sent = new ArrayList<>();
        final List<Runnable> later = new ArrayList<>();
        String closedBecause;

        @Override
        public void send(Sv1Message message) {
            read(Sv1Encoder.encode(message));
        }

        @Override
        public void sendLine(byte[] encoded) {
            String line = new String(encoded, java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(line.endsWith("\n"), "a whole line");
            read(line.substring(0, line.length() - 1));
        }

        private void read(String encoded) {
            try {
                sent.add(JSON.readTree(encoded));
            } catch (java.io.IOException e) {
                throw new AssertionError("the session sent a line that is not JSON: " + encoded, e);
            }
        }

        @Override
        public void close(String reason) {
            closedBecause = reason;
        }

        /** As the event loop would: later, on the session's thread ({@link #runLater}). */
        @Override
        public void execute(Runnable task) {
            later.add(task);
        }

        void runLater() {
            List<Runnable> tasks = new ArrayList<>(later);
            later.clear();
            tasks.forEach(Runnable::run);
        }

        /** The answer to request {@code id}, or null if none was sent. */
        JsonNode answer(int id) {
            return sent.stream().filter(m -> m.path("id").asInt(-1) == id && m.has("result")).findFirst().orElse(null);
        }

        List<JsonNode> calls(String method) {
            return sent.stream().filter(m -> method.equals(m.path("method").asText())).toList();
        }
    }

    private final InMemoryLedger ledger = new InMemoryLedger();
    private final CountingMetrics metrics = new CountingMetrics();
    private final BlockSubmitter blocks = new BlockSubmitter(null, ledger, metrics, () -> {});
    private final ShareProcessor shares = new ShareProcessor(ledger, blocks, metrics, null, () -> {});
    private final ExtranonceAllocator extranonces = new ExtranonceAllocator();
    private final AtomicReference<Template> current = new AtomicReference<>(TestTemplates.newTip(201,
            TestShares.HARD_NBITS));
    private final PoolContext pool = new PoolContext(new Authorizer(BitcoinNetwork.REGTEST, PayoutMode.SOLO,
            java.util.Optional.empty()), extranonces, shares, current::get,
            new VardiffSettings(DIFFICULTY, 1e-9, 1e12, Duration.ofSeconds(10), Duration.ofSeconds(30)), POOL_MASK,
            metrics, new BanList());
    private final Link link = new Link();
    private final Sv1Session session = new Sv1Session(pool, Sv1Settings.defaults(), link, "conn-7");
    private int nextId = 1;

    @AfterEach
    void stop() {
        blocks.close();
    }

    /** Sends one line as a miner would; returns its id. */
    private int call(String method, String paramsJson) {
        int id = nextId++;
        try {
            session.onMessage(Sv1Decoder.decodeFromMiner("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":"
                    + paramsJson + "}"));
        } catch (Sv1ProtocolException e) {
            throw new AssertionError(e);
        }
        return id;
    }

    private JsonNode result(int id) {
        link.runLater(); // the event loop gets round to what the session handed it
        JsonNode a = link.answer(id);
        assertNotNull(a, "no answer to " + id + " in " + link.sent);
        assertTrue(a.path("error").isNull(), "error answering " + id + ": " + a);
        return a.get("result");
    }

    /** The error code of the answer to {@code id}. */
    private int error(int id) {
        link.runLater();
        JsonNode a = link.answer(id);
        assertNotNull(a, "no answer to " + id + " in " + link.sent);
        assertTrue(a.path("error").isArray(), "not an error: " + a);
        return a.get("error").get(0).asInt();
    }

    private String errorText(int id) {
        return link.answer(id).get("error").get(1).asText();
    }

    private void subscribeAndAuthorize() {
        assertTrue(result(call("mining.subscribe", "[\"test-miner/1.0\"]")).isArray());
        assertTrue(result(call("mining.authorize", "[\"" + USER + "\",\"x\"]")).asBoolean());
    }

    private byte[] en1() {
        return session.extranonce1().orElseThrow().toByteArray();
    }

    /** The job the last mining.notify announced (the session's job for this payout). */
    private Job lastJob() {
        List<JsonNode> notes = link.calls("mining.notify");
        String id = notes.get(notes.size() - 1).get("params").get(0).asText();
        Job job = current.get().jobFor(TestShares.worker(ADDRESS).payout(), 8);
        assertEquals(job.id(), JobId.parse(id));
        return job;
    }

    private int submit(JobId jobId, Found f) {
        return submit(jobId.toString(), f);
    }

    private int submit(String jobId, Found f) {
        return call("mining.submit", "[\"" + USER + "\",\"" + jobId + "\",\"" + Hex.encode(f.en2()) + "\",\""
                + Sv1Methods.hex32(f.ntime()) + "\",\"" + Sv1Methods.hex32(f.nonce()) + "\"]");
    }

    private int submitRolled(JobId jobId, Found f, int versionBits) {
        return call("mining.submit", "[\"" + USER + "\",\"" + jobId + "\",\"" + Hex.encode(f.en2()) + "\",\""
                + Sv1Methods.hex32(f.ntime()) + "\",\"" + Sv1Methods.hex32(f.nonce()) + "\",\""
                + Sv1Methods.hex32(versionBits) + "\"]");
    }

    @Test
    void workComesOnlyOnceSubscribedAndAuthorizedInEitherOrder() {
        assertTrue(result(call("mining.authorize", "[\"" + USER + "\",\"x\"]")).asBoolean());
        assertEquals(List.of(), link.calls("mining.notify"), "no work before subscribe");
        JsonNode sub = result(call("mining.subscribe", "[]"));
        assertEquals(Hex.encode(en1()), sub.get(1).asText());
        assertEquals(4, sub.get(2).asInt(), "extranonce2 size");

        List<JsonNode> notify = link.calls("mining.notify");
        assertEquals(1, notify.size());
        assertTrue(notify.get(0).get("params").get(8).asBoolean(), "first job cleans");
        assertEquals(DIFFICULTY, link.calls("mining.set_difficulty").get(0).get("params").get(0).asDouble());
        assertTrue(link.sent.indexOf(link.calls("mining.set_difficulty").get(0)) < link.sent.indexOf(notify.get(0)),
                "difficulty before the job it applies to");
        assertEquals(lastJob().id().toString(), notify.get(0).get("params").get(0).asText());
    }

    @Test
    void sharesBeforeSubscribeOrFromUnknownWorkersAreRefused() {
        Job job = current.get().jobFor(TestShares.worker(ADDRESS).payout(), 8);
        Found f = TestShares.find(job, Hex.decode("00000000"), Hex.decode("00000001"), job.version(), TARGET, true);
        assertEquals(25, error(submit(job.id(), f)), "not subscribed");

        result(call("mining.subscribe", "[]"));
        assertEquals(24, error(submit(job.id(), f)), "not authorized");
        assertEquals(24, error(call("mining.authorize", "[\"notanaddress.rig\",\"x\"]")), "solo needs an address");
        assertEquals(List.of(), link.calls("mining.notify"));
        assertEquals(List.of(), ledger.shares());
    }

    @Test
    void anAcceptedShareIsAnsweredTrueOnlyOnceTheLedgerHasIt() {
        ledger.mode(InMemoryLedger.Mode.QUEUED);
        subscribeAndAuthorize();
        Job job = lastJob();
        Found f = TestShares.find(job, en1(), Hex.decode("00000001"), job.version(), TARGET, true);

        int id = submit(job.id(), f);
        link.runLater();
        assertNull(link.answer(id), "no answer while the share is not durable");
        ledger.commitQueued();
        link.runLater();
        assertTrue(result(id).asBoolean());
        assertEquals(1, ledger.shares().size());
        assertEquals(f.displayHash(), ledger.shares().get(0).shareHash());
        assertEquals(USER, ledger.shares().get(0).worker());
        assertEquals("conn-7", ledger.shares().get(0).channelId());
        assertEquals(DIFFICULTY, ledger.shares().get(0).shareDifficulty());
    }

    @Test
    void duplicateUnknownJobLowDifficultyAndBadExtranonceGetTheirOwnCodes() {
        subscribeAndAuthorize();
        Job job = lastJob();
        Found f = TestShares.find(job, en1(), Hex.decode("00000002"), job.version(), TARGET, true);
        assertTrue(result(submit(job.id(), f)).asBoolean());
        assertEquals(22, error(submit(job.id(), f)), "duplicate");
        assertEquals(21, error(submit("ffff", f)), "not a job id of this pool");
        assertEquals(21, error(submit("ffffffff", f)), "unknown job");
        Found weak = TestShares.find(job, en1(), Hex.decode("00000003"), job.version(), TARGET, false);
        assertEquals(23, error(submit(job.id(), weak)), "low difficulty");
        Found shortEn2 = new Found(Hex.decode("0003"), f.ntime(), f.nonce(), f.version(), f.hashLe());
        int bad = submit(job.id(), shortEn2);
        assertEquals(20, error(bad));
        assertTrue(errorText(bad).contains("extranonce2"), errorText(bad));
        assertEquals(1, ledger.shares().size());
    }

    @Test
    void aNewTipMakesEarlierJobsStale() {
        subscribeAndAuthorize();
        Job old = lastJob();
        Found f = TestShares.find(old, en1(), Hex.decode("00000004"), old.version(), TARGET, true);

        current.set(TestTemplates.newTip(202, TestShares.HARD_NBITS));
        session.onTemplate(current.get());
        List<JsonNode> notify = link.calls("mining.notify");
        assertEquals(2, notify.size());
        assertTrue(notify.get(1).get("params").get(8).asBoolean(), "clean_jobs on a new tip");
        assertNotEquals(old.id(), lastJob().id());

        assertEquals(21, error(submit(old.id(), f)), "a share on the old tip is stale");
        assertEquals(List.of(), ledger.shares());
        Job fresh = lastJob();
        Found g = TestShares.find(fresh, en1(), Hex.decode("00000004"), fresh.version(), TARGET, true);
        assertTrue(result(submit(fresh.id(), g)).asBoolean());
    }

    @Test
    void aBusyLedgerIsToldAndTheShareIsCreditedOnceWhenSentAgain() {
        subscribeAndAuthorize();
        Job job = lastJob();
        Found f = TestShares.find(job, en1(), Hex.decode("00000005"), job.version(), TARGET, true);

        ledger.mode(InMemoryLedger.Mode.BUSY);
        int busy = submit(job.id(), f);
        assertEquals(20, error(busy));
        assertTrue(errorText(busy).contains("not recorded"), errorText(busy));

        assertEquals(List.of(), metrics.accepted);
        ledger.mode(InMemoryLedger.Mode.DURABLE);
        assertTrue(result(submit(job.id(), f)).asBoolean(), "resent as asked, it counts");
        assertEquals(1, ledger.shares().size());
        assertEquals(22, error(submit(job.id(), f)), "once credited, the same share again is a duplicate");
        assertEquals(1, ledger.shares().size());
    }

    @Test
    void aShareWhoseBatchFailsIsToldNotRecorded() {
        subscribeAndAuthorize();
        Job job = lastJob();
        Found f = TestShares.find(job, en1(), Hex.decode("00000006"), job.version(), TARGET, true);
        ledger.mode(InMemoryLedger.Mode.QUEUED);

        int id = submit(job.id(), f);
        ledger.failQueued();
        link.runLater();

        assertEquals(20, error(id));
        assertTrue(errorText(id).contains("not recorded"), errorText(id));
        assertEquals(List.of(), ledger.shares());
        ledger.mode(InMemoryLedger.Mode.DURABLE);
        assertEquals(22, error(submit(job.id(), f)), "never credited on a second try");
        assertEquals(List.of(), ledger.shares());
    }

    @Test
    void versionBitsMustStayInsideTheNegotiatedMask() {
        JsonNode configured = result(call("mining.configure",
                "[[\"version-rolling\"],{\"version-rolling.mask\":\"00ffe000\",\"version-rolling.min-bit-count\":2}]"));
        assertTrue(configured.get("version-rolling").asBoolean());
        assertEquals("00ffe000", configured.get("version-rolling.mask").asText(), "the pool's mask and the miner's");
        subscribeAndAuthorize();
        Job job = lastJob();

        int bits = 0x00a02000;
        int rolled = (job.version() & ~0x00ffe000) | bits;
        Found f = TestShares.find(job, en1(), Hex.decode("00000007"), rolled, TARGET, true);
        assertTrue(result(submitRolled(job.id(), f, bits)).asBoolean());
        assertEquals(f.displayHash(), ledger.shares().get(0).shareHash(), "judged with the rolled version");

        int outside = submitRolled(job.id(), f, 0x10000000); // the pool's bit, but not negotiated
        assertEquals(20, error(outside));
        assertTrue(errorText(outside).contains("version bits"), errorText(outside));
        assertEquals(20, error(submitRolled(job.id(), f, 0x80000000)), "never the top bits");
        assertEquals(1, ledger.shares().size());
    }

    @Test
    void withoutConfigureNoVersionBitsMayBeRolled() {
        subscribeAndAuthorize();
        Job job = lastJob();
        int rolled = job.version() | 0x00002000;
        Found f = TestShares.find(job, en1(), Hex.decode("00000008"), rolled, TARGET, true);
        assertEquals(20, error(submitRolled(job.id(), f, 0x00002000)));
        assertEquals(List.of(), ledger.shares());
    }

    @Test
    void aConnectionThatKeepsSendingNonsenseIsClosed() {
        for (int i = 0; i < Sv1Settings.defaults().maxProtocolErrors(); i++) {
            assertNull(link.closedBecause, "closed after " + i + " errors");
            assertEquals(-32601, error(call("mining.nonsense", "[]")));
        }
        assertNotNull(link.closedBecause);
        int after = call("mining.subscribe", "[]");
        assertNull(link.answer(after), "nothing is answered once closed");
        assertFalse(session.isAuthorized());
    }

    private List<Double> announcedDifficulties() {
        return link.calls("mining.set_difficulty").stream().map(m -> m.get("params").get(0).asDouble()).toList();
    }

    @Test
    void aSuggestedDifficultyIsAnnouncedBeforeTheFirstJobAndAPasswordOnePinsIt() {
        assertTrue(result(call("mining.suggest_difficulty", "[2e-7]")).asBoolean());
        assertEquals(List.of(), announcedDifficulties(), "nothing to announce before work");
        subscribeAndAuthorize();
        assertEquals(List.of(2e-7), announcedDifficulties());
        assertEquals(Difficulty.of(2e-7), session.difficulty());

        Link other = new Link();
        Sv1Session pinned = new Sv1Session(pool, Sv1Settings.defaults(), other, "conn-8");
        pinned.onMessage(decode("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}"));
        pinned.onMessage(decode("{\"id\":2,\"method\":\"mining.authorize\",\"params\":[\"" + USER
                + "\",\"x,d=0.5\"]}"));
        pinned.onMessage(decode("{\"id\":3,\"method\":\"mining.suggest_difficulty\",\"params\":[1e-8]}"));
        assertEquals(Difficulty.of(0.5), pinned.difficulty(), "the password's difficulty, not the suggestion");
        assertEquals(List.of(0.5), other.calls("mining.set_difficulty").stream()
                .map(m -> m.get("params").get(0).asDouble()).toList());
    }

    @Test
    void anOperatorsDifficultyIsAnnouncedAtOnceAndSharesInFlightStillCount() {
        subscribeAndAuthorize();
        Job job = lastJob();
        Difficulty harder = Difficulty.of(4e-7);
        // a share that meets what the miner was told first, but not the harder difficulty
        Found inFlight = null;
        for (int i = 0; i < 50 && inFlight == null; i++) {
            Found f = TestShares.find(job, en1(), new byte[] {0, 0, 1, (byte) i}, job.version(), TARGET, true);
            if (!harder.toTarget().isMetBy(f.hashLe())) {
                inFlight = f;
            }
        }
        assertNotNull(inFlight);

        assertEquals(harder, session.fixDifficulty(harder));

        assertEquals(List.of(DIFFICULTY, 4e-7), announcedDifficulties());
        assertEquals(2, link.calls("mining.notify").size(), "the current job again, with the new difficulty");
        assertEquals(job.id(), lastJob().id());
        assertTrue(result(submit(job.id(), inFlight)).asBoolean(), "judged at the easier of the two");
        assertEquals(DIFFICULTY, ledger.shares().get(0).shareDifficulty(), "and credited at it");
    }

    @Test
    void configureAnswersEveryExtensionAndGrantsThePoolsBitsWhenNoMaskIsAsked() {
        JsonNode r = result(call("mining.configure", "[[\"version-rolling\",\"minimum-difficulty\"],{}]"));
        assertTrue(r.get("version-rolling").asBoolean());
        assertEquals("1fffe000", r.get("version-rolling.mask").asText(), "no mask asked means all bits: the pool's");
        assertTrue(r.has("minimum-difficulty") && !r.get("minimum-difficulty").asBoolean(), "unsupported: false");
        JsonNode none = result(call("mining.configure", "[[\"info\"]]"));
        assertFalse(none.has("version-rolling"), "not asked, not answered");
        assertFalse(none.get("info").asBoolean());
    }

    @Test
    void answersGoUnderTheMinersOwnIdAndNotificationsGetNone() {
        session.onMessage(decode("{\"id\":\"sub-1\",\"method\":\"mining.subscribe\",\"params\":[]}"));
        assertEquals("sub-1", link.sent.get(0).get("id").asText());
        assertTrue(link.sent.get(0).get("result").isArray());
        int before = link.sent.size();
        session.onMessage(decode("{\"id\":null,\"method\":\"mining.extranonce.subscribe\",\"params\":[]}"));
        assertEquals(before, link.sent.size(), "a notification is not answered");
        // what the pool sends is not the miner's to call: method not found, under its id
        assertEquals(-32601, error(call("mining.notify", "[]")));
        assertNull(link.closedBecause);
    }

    @Test
    void aSecondSubscribeKeepsTheExtranonceAndAnOperatorsChangeMovesTheMinerToFreshWork() {
        assertFalse(session.changeExtranonce(), "not subscribed");
        subscribeAndAuthorize();
        byte[] first = en1();
        assertEquals(Hex.encode(first), result(call("mining.subscribe", "[]")).get(1).asText(), "same extranonce1");
        assertFalse(session.changeExtranonce(), "only for miners that asked for mining.set_extranonce");
        assertTrue(result(call("mining.extranonce.subscribe", "[]")).asBoolean());
        Job job = lastJob();
        Found old = TestShares.find(job, first, Hex.decode("00000009"), job.version(), TARGET, true);

        assertTrue(session.changeExtranonce());
        assertNotEquals(Hex.encode(first), Hex.encode(en1()));
        JsonNode set = link.calls("mining.set_extranonce").get(0);
        assertEquals(Hex.encode(en1()), set.get("params").get(0).asText());
        assertEquals(4, set.get("params").get(1).asInt());
        List<JsonNode> notify = link.calls("mining.notify");
        assertTrue(notify.get(notify.size() - 1).get("params").get(8).asBoolean(), "fresh work, clean");
        assertTrue(link.sent.indexOf(set) < link.sent.lastIndexOf(notify.get(notify.size() - 1)), "extranonce first");

        assertNotEquals(0, error(submit(job.id(), old)), "a share built on the old extranonce1 is not credited");
        Found fresh = TestShares.find(job, en1(), Hex.decode("00000009"), job.version(), TARGET, true);
        assertTrue(result(submit(job.id(), fresh)).asBoolean());
        assertEquals(1, ledger.shares().size());
    }

    private static Sv1Message decode(String line) {
        try {
            return Sv1Decoder.decodeFromMiner(line);
        } catch (Sv1ProtocolException e) {
            throw new AssertionError(e);
        }
    }
}
