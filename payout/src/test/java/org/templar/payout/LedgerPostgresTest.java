package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The ledger on a real PostgreSQL server (several pool nodes sharing one ledger). `.ci/run` starts
 * one with `.ci/postgres.sh` and sets TEMPLAR_TEST_POSTGRES_*; each test gets a schema of its own.
 */
@EnabledIfEnvironmentVariable(named = "TEMPLAR_TEST_POSTGRES_URL", matches = "jdbc:postgresql:.+")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LedgerPostgresTest {
    private static final AtomicLong SCHEMAS = new AtomicLong();
    private static final String URL = System.getenv("TEMPLAR_TEST_POSTGRES_URL");
    private static final String USER = System.getenv("TEMPLAR_TEST_POSTGRES_USER");
    private static final String PASSWORD = System.getenv("TEMPLAR_TEST_POSTGRES_PASSWORD");

    private LedgerConfig config;
    private String schema;

    @BeforeEach
    void freshSchema() throws Exception {
        schema = "t" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        config = new LedgerConfig(URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema, USER, PASSWORD,
                LedgerConfig.DEFAULT_POOL_SIZE, LedgerConfig.DEFAULT_QUEUE_CAPACITY, LedgerConfig.DEFAULT_MAX_BATCH,
                LedgerConfig.DEFAULT_CONNECTION_TIMEOUT, true);
    }

    @Test
    void migratesAndKeepsConcurrentSharesAcrossReopening() throws Exception {
        int threads = 4;
        int perThread = 2500;
        try (Ledger ledger = Ledger.open(config)) {
            ExecutorService ex = Executors.newFixedThreadPool(threads);
            List<Future<List<CompletableFuture<Void>>>> submitted = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int thread = t;
                submitted.add(ex.submit(() -> {
                    List<CompletableFuture<Void>> futures = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        futures.add(ledger.recordShare(TestShares.share("w" + thread + ".rig", (long) thread * perThread + i)));
                    }
                    return futures;
                }));
            }
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (Future<List<CompletableFuture<Void>>> f : submitted) {
                all.addAll(f.get());
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            ex.shutdown();
            assertEquals(threads * perThread, ledger.shareCount());
        }
        try (Ledger reopened = Ledger.open(config)) {
            assertEquals(threads * perThread, reopened.shareCount(), "every acknowledged share is still there");
            assertEquals(threads, reopened.workerStats().size());
            assertEquals(perThread, reopened.workerStats("w2").get(0).shares());
            assertEquals(5, reopened.sharesFor("w1", 5).size());
        }
    }

    @Test
    void blockLifecycleAndDuplicates() {
        try (Ledger ledger = Ledger.open(config)) {
            BlockRecord b = BlockRecord.candidate(101, TestShares.hash("block", 1), "alice.rig", 5_000_000_000L,
                    "bcrt1qexample", Instant.parse("2026-11-24T12:00:00Z"));
            assertTrue(ledger.recordBlockCandidate(b));
            assertFalse(ledger.recordBlockCandidate(b), "the same block twice is recorded once");
            ledger.updateBlockStatus(b.hash(), BlockStatus.SUBMITTED, null);
            BlockRecord accepted = ledger.updateBlockStatus(b.hash(), BlockStatus.ACCEPTED, null);
            assertEquals(BlockStatus.ACCEPTED, accepted.status());
            assertThrows(IllegalStateException.class, () -> ledger.updateBlockStatus(b.hash(), BlockStatus.CANDIDATE, null));
            assertEquals(List.of(accepted), ledger.recentBlocks(10));
            assertEquals(3, ledger.blockHistory(b.hash()).size());
        }
    }

    @Test
    void aFailingBatchIsRolledBackWholeAndLaterSharesSucceed() throws Exception {
        try (Ledger ledger = Ledger.open(config)) {
            ledger.recordShare(TestShares.share("bob.a", 1)).get(10, TimeUnit.SECONDS);
            try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE shares RENAME TO shares_away");
            }
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> ledger.recordShare(TestShares.share("bob.a", 2)).get(10, TimeUnit.SECONDS));
            assertInstanceOf(LedgerException.class, e.getCause());
            try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE shares_away RENAME TO shares");
            }
            ledger.recordShare(TestShares.share("bob.a", 3)).get(10, TimeUnit.SECONDS);
            assertEquals(2, ledger.shareCount(), "the failed share is not half-recorded");
            assertEquals(2, ledger.workerStats("bob").get(0).shares(), "nor counted in the running totals");
        }
    }

    @Test
    void sharesGoThroughCopyUnchanged() throws Exception {
        // COPY's text format gives tab, newline, carriage return and backslash a meaning; miners choose
        // worker names, and \\N would read back as NULL if the backslash were not escaped.
        String[] rigs = {"t\tab", "new\nline", "cr\rlf", "back\\slash", "\\N", "\"quoted\",'single',comma",
            "ünïcødé ⛏", "plain"};
        List<ShareRecord> written = new ArrayList<>();
        for (int i = 0; i < rigs.length; i++) {
            written.add(new ShareRecord("carol." + rigs[i], "carol", rigs[i], "job\t" + i, "conn\\" + i,
                    i == 0 ? 1e-4 : 1e12 / (i + 1), Math.PI * (i + 1), TestShares.hash("copy", i), i % 2 == 0,
                    i % 3 == 0 ? ShareRecord.SOLO : ShareRecord.POOL, TestShares.T0.plusNanos(1_000L * i + 123_456_000),
                    i == 1 ? 0.3 : 1, i == 2 ? "jd-full" : "pool"));
        }
        try (Ledger ledger = Ledger.open(config)) {
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            for (ShareRecord s : written) {
                futures.add(ledger.recordShare(s));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            List<ShareRecord> read = new ArrayList<>(ledger.sharesFor("carol", 100));
            // Two writers on PostgreSQL: ids need not follow the order the shares were recorded in,
            // so compare in the order of their (distinct) times.
            read.sort(java.util.Comparator.comparing(ShareRecord::time));
            assertEquals(written, read);
        }
    }
}
