package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LedgerTest {

    @TempDir
    Path dir;

    private static void awaitAll(List<CompletableFuture<Void>> futures) throws Exception {
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }

    private static Throwable failureOf(CompletableFuture<Void> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        return e.getCause();
    }

    private static String schemaVersion(Ledger ledger) {
        return Flyway.configure().dataSource(ledger.dataSource()).load().info().current().getVersion().getVersion();
    }

    /**
     * The highest version among the migrations on the class path: several engineers add migrations,
     * so the expectation follows the files rather than a number written here.
     */
    private static String latestMigration() {
        try {
            java.net.URL dirUrl = LedgerTest.class.getClassLoader().getResource("db/migration");
            try (var files = java.nio.file.Files.list(Path.of(dirUrl.toURI()))) {
                return String.valueOf(files.map(f -> f.getFileName().toString())
                        .filter(n -> n.matches("V\\d+__.*\\.sql"))
                        .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__"))))
                        .max().orElseThrow());
            }
        } catch (Exception e) {
            throw new AssertionError("cannot list the migrations", e);
        }
    }

    /** The V1 schema's insert: what an older Templar wrote. */
    private static void insertV1(PreparedStatement insert, ShareRecord s) throws SQLException {
        insert.setString(1, s.worker());
        insert.setString(2, s.user());
        insert.setString(3, s.workerName());
        insert.setString(4, s.jobId());
        insert.setString(5, s.channelId());
        insert.setDouble(6, s.shareDifficulty());
        insert.setDouble(7, s.achievedDifficulty());
        insert.setString(8, s.shareHash());
        insert.setBoolean(9, s.blockCandidate());
        insert.setString(10, s.payoutMode());
        insert.setObject(11, java.time.OffsetDateTime.ofInstant(s.time(), java.time.ZoneOffset.UTC));
    }

    @Test
    void freshDatabaseIsMigratedToTheLatestSchema() {
        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(dir))) {
            assertEquals(latestMigration(), schemaVersion(ledger));
            assertEquals(0, ledger.shareCount());
            assertTrue(ledger.recentBlocks(10).isEmpty());
        }
        assertTrue(dir.resolve("templar.mv.db").toFile().isFile(), "H2 file under the data directory");
    }

    @Test
    void existingDatabaseAtVersion1IsMigratedAndKeepsItsShares() throws Exception {
        LedgerConfig config = LedgerConfig.embedded(dir);
        ShareRecord old = TestShares.share("alice.rig1", 1);
        // An older Templar: only the V1 schema, with one share in it.
        Flyway.configure().dataSource(config.jdbcUrl(), config.user(), config.password()).target("1").load().migrate();
        try (Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
                PreparedStatement insert = c.prepareStatement("INSERT INTO shares (worker, user_name, worker_name,"
                        + " job_id, channel_id, share_difficulty, achieved_difficulty, share_hash, block_candidate,"
                        + " payout_mode, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            insertV1(insert, old);
            insert.executeUpdate();
        }
        try (Ledger ledger = Ledger.open(config)) {
            assertEquals(latestMigration(), schemaVersion(ledger));
            assertEquals(List.of(old), ledger.sharesFor("alice", 10));
            // The totals table of V3 starts from the shares already there.
            assertEquals(List.of(new WorkerStats("alice.rig1", 1, old.shareDifficulty(), old.time())),
                    ledger.workerStats());
            ShareRecord next = TestShares.share("alice.rig1", 2);
            ledger.recordShare(next).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(new WorkerStats("alice.rig1", 2, old.shareDifficulty() + next.shareDifficulty(),
                    next.time())), ledger.workerStats());
        }
        // And an up-to-date database opens as it is.
        try (Ledger ledger = Ledger.open(config)) {
            assertEquals(latestMigration(), schemaVersion(ledger));
            assertEquals(2, ledger.shareCount());
        }
    }

    @Test
    void acknowledgedSharesAreReadableAfterReopening() throws Exception {
        List<ShareRecord> alice = new ArrayList<>();
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(dir))) {
            for (int i = 0; i < 50; i++) {
                ShareRecord a = TestShares.share(i % 2 == 0 ? "alice.rig1" : "alice.rig2", i);
                alice.add(a);
                acks.add(ledger.recordShare(a));
                acks.add(ledger.recordShare(TestShares.share("bob", i)));
            }
            ShareRecord candidate = ShareRecord.of("carol.x", "job9", "conn9", 0.0001, 1e12,
                    TestShares.hash("carol", 0), true, ShareRecord.SOLO, TestShares.T0.plusSeconds(60));
            acks.add(ledger.recordShare(candidate));
            awaitAll(acks);
        }
        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(dir))) {
            assertEquals(101, ledger.shareCount());
            List<ShareRecord> newestFirst = new ArrayList<>(alice);
            Collections.reverse(newestFirst);
            assertEquals(newestFirst, ledger.sharesFor("alice", 100));
            assertEquals(newestFirst.subList(0, 5), ledger.sharesFor("alice", 5));
            ShareRecord carol = ledger.sharesFor("carol", 1).get(0);
            assertTrue(carol.blockCandidate());
            assertEquals(0.0001, carol.shareDifficulty());
            assertEquals(ShareRecord.SOLO, carol.payoutMode());

            List<WorkerStats> stats = ledger.workerStats();
            assertEquals(List.of("alice.rig1", "alice.rig2", "bob", "carol.x"),
                    stats.stream().map(WorkerStats::worker).collect(Collectors.toList()));
            WorkerStats rig1 = stats.get(0);
            assertEquals(25, rig1.shares());
            double rig1Sum = alice.stream().filter(s -> s.worker().equals("alice.rig1"))
                    .mapToDouble(ShareRecord::shareDifficulty).sum();
            assertEquals(rig1Sum, rig1.sumDifficulty(), 1e-9);
            assertEquals(TestShares.T0.plusMillis(48), rig1.lastShareAt());
            assertEquals(stats.subList(0, 2), ledger.workerStats("alice"));
            assertEquals(List.of(), ledger.workerStats("nobody"));

            // Shares 40..49 of each user, plus carol's.
            Instant since = TestShares.T0.plusMillis(40);
            double expected = 0.0001;
            for (int i = 40; i < 50; i++) {
                expected += 2 * TestShares.share("x", i).shareDifficulty();
            }
            assertEquals(expected, ledger.sumDifficultySince(since), 1e-9);
            assertEquals(expected / 2 - 0.0001 / 2, ledger.sumDifficultySince("bob", since), 1e-9);
            assertEquals(0.0, ledger.sumDifficultySince("nobody", since));
        }
    }

    @Test
    void schemaAndQueriesRunInH2sPostgreSqlMode() throws Exception {
        // Not PostgreSQL itself, but H2's emulation of it catches the obvious non-portable SQL.
        LedgerConfig pgLike = new LedgerConfig("jdbc:h2:mem:pgmode;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1",
                "sa", "", 2, 100, 10, Duration.ofSeconds(5), false);
        try (Ledger ledger = Ledger.open(pgLike)) {
            assertEquals(latestMigration(), schemaVersion(ledger));
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                acks.add(ledger.recordShare(TestShares.share("alice.rig" + (i % 2), i)));
            }
            awaitAll(acks);
            assertEquals(30, ledger.shareCount());
            assertEquals(5, ledger.sharesFor("alice", 5).size());
            assertEquals(2, ledger.workerStats("alice").size());
            assertTrue(ledger.sumDifficultySince(TestShares.T0) > 0);
            String hash = TestShares.hash("block", 1);
            ledger.recordBlockCandidate(BlockRecord.candidate(1, hash, "alice", 1, "addr", TestShares.T0));
            ledger.updateBlockStatus(hash, BlockStatus.ACCEPTED, null);
            assertEquals(BlockStatus.ACCEPTED, ledger.recentBlocks(1).get(0).status());
        }
    }

    @Test
    void unusableDatabaseLocationIsAClearErrorAtOpen() throws Exception {
        Path notADirectory = java.nio.file.Files.writeString(dir.resolve("file"), "x");
        LedgerException e = assertThrows(LedgerException.class, () -> Ledger.open(LedgerConfig.embedded(notADirectory)));
        assertTrue(e.getMessage().contains("cannot open ledger"), e.getMessage());
    }

    @Test
    void inMemoryLedgerWorksAndIsGoneAfterClose() throws Exception {
        try (Ledger ledger = Ledger.open(LedgerConfig.inMemory("ledgertest"))) {
            ledger.recordShare(TestShares.share("alice", 1)).get(10, TimeUnit.SECONDS);
            assertEquals(1, ledger.shareCount());
        }
        try (Ledger ledger = Ledger.open(LedgerConfig.inMemory("ledgertest"))) {
            assertEquals(0, ledger.shareCount());
        }
    }

    @Test
    void groupCommitBatchesManyConcurrentShares() throws Exception {
        RecordingMetrics metrics = new RecordingMetrics();
        int threads = 4;
        int perThread = 5_000;
        LedgerConfig config = LedgerConfig.embedded(dir).withMaxBatch(500);
        try (Ledger ledger = Ledger.open(config, metrics)) {
            List<List<CompletableFuture<Void>>> acks = new ArrayList<>();
            List<Thread> submitters = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<CompletableFuture<Void>> mine = Collections.synchronizedList(new ArrayList<>());
                acks.add(mine);
                String worker = "user" + t + ".rig";
                submitters.add(new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        mine.add(ledger.recordShare(TestShares.share(worker, i)));
                    }
                }));
            }
            submitters.forEach(Thread::start);
            for (Thread t : submitters) {
                t.join(30_000);
            }
            List<CompletableFuture<Void>> all = acks.stream().flatMap(List::stream).collect(Collectors.toList());
            assertEquals(threads * perThread, all.size());
            awaitAll(all);

            assertEquals(threads * perThread, ledger.shareCount());
            List<WorkerStats> stats = ledger.workerStats();
            assertEquals(threads, stats.size());
            for (WorkerStats w : stats) {
                assertEquals(perThread, w.shares());
            }
            double totalFromStats = stats.stream().mapToDouble(WorkerStats::sumDifficulty).sum();
            assertEquals(ledger.sumDifficultySince(Instant.EPOCH), totalFromStats, 1e-6);
            int committed = metrics.committedBatches.stream().mapToInt(Integer::intValue).sum();
            assertEquals(threads * perThread, committed);
            int largest = metrics.committedBatches.stream().mapToInt(Integer::intValue).max().orElse(0);
            assertTrue(largest > 1, "shares were grouped into batches, largest " + largest);
            assertTrue(largest <= 500, "no batch above maxBatch, largest " + largest);
            assertTrue(metrics.committedBatches.size() < threads * perThread / 2,
                    "far fewer commits than shares: " + metrics.committedBatches.size());
            assertTrue(metrics.failedBatches.isEmpty());
        }
    }

    /** Holds every pooled connection, so the writer waits for one: a database that does not keep up. */
    private static List<Connection> holdPool(Ledger ledger, int poolSize) throws SQLException {
        List<Connection> held = new ArrayList<>();
        for (int i = 0; i < poolSize; i++) {
            held.add(ledger.dataSource().getConnection());
        }
        return held;
    }

    private static void release(List<Connection> held) throws SQLException {
        for (Connection c : held) {
            c.close();
        }
    }

    @Test
    void fullQueueFailsFastWithBusyInsteadOfBlocking() throws Exception {
        RecordingMetrics metrics = new RecordingMetrics();
        LedgerConfig config = LedgerConfig.embedded(dir).withPoolSize(2).withQueueCapacity(8)
                .withConnectionTimeout(Duration.ofSeconds(20));
        try (Ledger ledger = Ledger.open(config, metrics)) {
            List<Connection> held = holdPool(ledger, 2);
            List<CompletableFuture<Void>> accepted = new ArrayList<>();
            List<CompletableFuture<Void>> refused = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                long start = System.nanoTime();
                CompletableFuture<Void> f = ledger.recordShare(TestShares.share("alice", i));
                long micros = (System.nanoTime() - start) / 1_000;
                if (f.isDone()) {
                    // Failed at once, not after waiting for space.
                    assertTrue(f.isCompletedExceptionally(), "nothing can be durable while the pool is held");
                    assertTrue(micros < 200_000, "busy answer took " + micros + " us");
                    refused.add(f);
                } else {
                    accepted.add(f);
                }
            }
            // The writer holds at most one share while it waits; the queue holds 8.
            assertTrue(accepted.size() >= 8 && accepted.size() <= 9, "accepted " + accepted.size());
            assertEquals(30 - accepted.size(), refused.size());
            assertEquals(refused.size(), metrics.busy.get());
            Throwable busy = failureOf(refused.get(0));
            assertInstanceOf(LedgerBusyException.class, busy);
            assertTrue(busy.getMessage().contains("busy"), busy.getMessage());

            release(held);
            awaitAll(accepted);
            assertEquals(accepted.size(), ledger.shareCount());
            // Once the database keeps up again, shares are taken again.
            ledger.recordShare(TestShares.share("alice", 100)).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFailingRowFailsItsWholeBatchAndNothingOfItIsWritten() throws Exception {
        RecordingMetrics metrics = new RecordingMetrics();
        LedgerConfig config = LedgerConfig.embedded(dir).withPoolSize(2).withConnectionTimeout(Duration.ofSeconds(20));
        try (Ledger ledger = Ledger.open(config, metrics)) {
            ledger.recordShare(TestShares.share("before", 0)).get(10, TimeUnit.SECONDS);
            List<Connection> held = holdPool(ledger, 2);
            try (Statement s = held.get(0).createStatement()) {
                // Stands in for a storage error half-way through a batch (disk full, I/O error).
                s.execute("ALTER TABLE shares ADD CONSTRAINT test_poison CHECK (job_id <> 'poison')");
            }
            List<CompletableFuture<Void>> batch = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ShareRecord s = TestShares.share("alice", i);
                if (i == 5) {
                    s = ShareRecord.of("alice", "poison", "c", 1, 1, TestShares.hash("poison", i), false,
                            ShareRecord.POOL, TestShares.T0);
                }
                batch.add(ledger.recordShare(s));
            }
            release(held);
            for (CompletableFuture<Void> f : batch) {
                Throwable failure = failureOf(f);
                assertInstanceOf(LedgerException.class, failure);
                assertInstanceOf(SQLException.class, failure.getCause());
                assertTrue(failure.getMessage().contains("rolled back"), failure.getMessage());
                assertTrue(failure.getMessage().toUpperCase().contains("TEST_POISON"), failure.getMessage());
            }
            assertEquals(List.of(10), metrics.failedBatches);
            assertEquals(1, ledger.shareCount(), "no share of the failed batch was written");
            assertTrue(ledger.sharesFor("alice", 100).isEmpty());
            assertEquals(List.of("before"), ledger.workerStats().stream().map(WorkerStats::worker)
                    .collect(Collectors.toList()), "nor counted in the totals");

            try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE shares DROP CONSTRAINT test_poison");
            }
            ledger.recordShare(TestShares.share("alice", 0)).get(10, TimeUnit.SECONDS);
            assertEquals(2, ledger.shareCount());
        }
    }

    @Test
    void sharesFailWhileTheTableIsGoneAndSucceedOnceItIsBack() throws Exception {
        RecordingMetrics metrics = new RecordingMetrics();
        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(dir), metrics)) {
            try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE shares RENAME TO shares_away");
            }
            List<CompletableFuture<Void>> during = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                during.add(ledger.recordShare(TestShares.share("alice", i)));
            }
            for (CompletableFuture<Void> f : during) {
                Throwable failure = failureOf(f);
                assertInstanceOf(LedgerException.class, failure);
                assertInstanceOf(SQLException.class, failure.getCause());
                assertTrue(failure.getMessage().toUpperCase().contains("SHARES"), failure.getMessage());
            }
            assertFalse(metrics.failedBatches.isEmpty());
            try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE shares_away RENAME TO shares");
            }
            List<CompletableFuture<Void>> after = new ArrayList<>();
            for (int i = 20; i < 30; i++) {
                after.add(ledger.recordShare(TestShares.share("alice", i)));
            }
            awaitAll(after);
            assertEquals(10, ledger.shareCount());
        }
    }

    @Test
    void ledgerComesBackAfterTheDatabaseWasShutDownUnderIt() throws Exception {
        RecordingMetrics metrics = new RecordingMetrics();
        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(dir), metrics)) {
            ledger.recordShare(TestShares.share("alice", 0)).get(10, TimeUnit.SECONDS);
            Connection killer = ledger.dataSource().getConnection();
            try (Statement s = killer.createStatement()) {
                s.execute("SHUTDOWN"); // every pooled connection is now dead
            }
            // Handing a dead connection back to the pool fails; the pool drops it.
            assertThrows(SQLException.class, killer::close);
            int acknowledged = 1;
            List<Throwable> failures = new ArrayList<>();
            boolean backAgain = false;
            for (int i = 1; i <= 50 && !backAgain; i++) {
                CompletableFuture<Void> f = ledger.recordShare(TestShares.share("alice", i));
                try {
                    f.get(10, TimeUnit.SECONDS);
                    acknowledged++;
                    backAgain = true;
                } catch (ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            assertTrue(backAgain, "shares are written again once the database reopens; failures: " + failures);
            for (Throwable failure : failures) {
                assertInstanceOf(LedgerException.class, failure);
                assertInstanceOf(SQLException.class, failure.getCause());
            }
            // Blocks and queries also work on fresh connections.
            assertTrue(ledger.recordBlockCandidate(
                    BlockRecord.candidate(1, TestShares.hash("block", 1), "alice", 1, "addr", TestShares.T0)));
            assertEquals(acknowledged, ledger.shareCount());
        }
    }

    @Test
    void embeddedDatabaseCreatesItsDirectoryAndReportsCommitLatency() throws Exception {
        Path nested = dir.resolve("a").resolve("data");
        RecordingMetrics metrics = new RecordingMetrics();
        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(nested), metrics)) {
            ledger.recordShare(TestShares.share("alice", 1)).get(10, TimeUnit.SECONDS);
            assertEquals(0, ledger.queueDepth());
        }
        assertTrue(nested.resolve("templar.mv.db").toFile().isFile());
        assertEquals(List.of(1), metrics.committedBatches);
        assertTrue(metrics.commitNanos.get(0) > 0);
    }

    @Test
    void closedLedgerRefusesShares() throws Exception {
        Ledger ledger = Ledger.open(LedgerConfig.embedded(dir));
        CompletableFuture<Void> last = ledger.recordShare(TestShares.share("alice", 1));
        ledger.close();
        assertTrue(last.isDone(), "close writes what was queued");
        last.get();
        assertInstanceOf(LedgerException.class, failureOf(ledger.recordShare(TestShares.share("alice", 2))));
        ledger.close(); // idempotent
    }

    @Test
    void aSolutionWithoutAVerdictIsFoundAgainAfterReopening() throws Exception {
        String first = TestShares.hash("solution", 1);
        String second = TestShares.hash("solution", 2);
        String noHex = TestShares.hash("solution", 3);
        String hex = "00".repeat(80) + "01" + "ab".repeat(200);
        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(dir))) {
            assertTrue(ledger.recordBlockCandidate(BlockRecord.candidate(7, first, "alice", 1, "a", TestShares.T0), hex));
            assertTrue(ledger.recordBlockCandidate(
                    BlockRecord.candidate(7, second, "bob", 1, "b", TestShares.T0.plusSeconds(1)), hex + "cd"));
            // a Coinbase-only declared job: the pool never had the transactions, so no solution to keep
            assertTrue(ledger.recordBlockCandidate(BlockRecord.candidate(7, noHex, "carol", 1, "c", TestShares.T0), null));
            assertFalse(ledger.recordBlockCandidate(BlockRecord.candidate(7, first, "alice", 1, "a", TestShares.T0), "ff"),
                    "the same block twice is recorded once, with its first solution");
            ledger.updateBlockStatus(second, BlockStatus.STALE, "inconclusive");
        }
        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(dir))) {
            List<Ledger.UnsettledSolution> open = ledger.unsettledSolutions();
            assertEquals(1, open.size(), "only the block no node answered for, and that has a solution: " + open);
            assertEquals(first, open.get(0).block().hash());
            assertEquals(BlockStatus.CANDIDATE, open.get(0).block().status());
            assertEquals(hex, open.get(0).blockHex());
            ledger.updateBlockStatus(first, BlockStatus.ACCEPTED, null);
            assertTrue(ledger.unsettledSolutions().isEmpty());
        }
    }

    @Test
    void blockCandidateIsRecordedAndFollowsItsStatus() throws Exception {
        String hash = TestShares.hash("block", 1);
        BlockRecord candidate = BlockRecord.candidate(150, hash, "bcrt1qminer.rig7", 312_500_000L + 4_321,
                "0014751e76e8199196d454941c45d1b3a323f1433bd6", TestShares.T0);
        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(dir))) {
            assertTrue(ledger.recordBlockCandidate(candidate));
            assertFalse(ledger.recordBlockCandidate(candidate), "recording the same block twice is a no-op");
            assertEquals(candidate, ledger.blockByHash(hash).orElseThrow());

            assertEquals(BlockStatus.SUBMITTED, ledger.updateBlockStatus(hash, BlockStatus.SUBMITTED, null).status());
            BlockRecord accepted = ledger.updateBlockStatus(hash.toUpperCase(), BlockStatus.ACCEPTED, null);
            assertEquals(candidate.withStatus(BlockStatus.ACCEPTED, null), accepted);
            IllegalStateException illegal = assertThrows(IllegalStateException.class,
                    () -> ledger.updateBlockStatus(hash, BlockStatus.REJECTED, "high-hash"));
            assertTrue(illegal.getMessage().contains("ACCEPTED"), illegal.getMessage());
            ledger.updateBlockStatus(hash, BlockStatus.MATURE, "100 confirmations");
            assertThrows(IllegalStateException.class, () -> ledger.updateBlockStatus(hash, BlockStatus.REJECTED, "a late verdict"));

            String other = TestShares.hash("block", 2);
            ledger.recordBlockCandidate(BlockRecord.candidate(151, other, "alice", 1, "bcrt1qpool", TestShares.T0.plusSeconds(5)));
            BlockRecord rejected = ledger.updateBlockStatus(other, BlockStatus.REJECTED, "bad-cb-amount");
            assertEquals("bad-cb-amount", rejected.reason());
            assertThrows(LedgerException.class,
                    () -> ledger.updateBlockStatus(TestShares.hash("block", 3), BlockStatus.ACCEPTED, null));
        }
        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(dir))) {
            List<BlockRecord> recent = ledger.recentBlocks(10);
            assertEquals(List.of(TestShares.hash("block", 2), hash),
                    recent.stream().map(BlockRecord::hash).collect(Collectors.toList()));
            assertEquals(BlockStatus.REJECTED, recent.get(0).status());
            assertEquals(1, ledger.recentBlocks(1).size());
            BlockRecord mature = ledger.blockByHash(hash).orElseThrow();
            assertEquals(BlockStatus.MATURE, mature.status());
            assertEquals(312_504_321L, mature.rewardSats());
            assertEquals(List.of(BlockStatus.CANDIDATE, BlockStatus.SUBMITTED, BlockStatus.ACCEPTED, BlockStatus.MATURE),
                    ledger.blockHistory(hash).stream().map(BlockStatusChange::status).collect(Collectors.toList()));
            assertEquals("100 confirmations", ledger.blockHistory(hash).get(3).reason());
            assertTrue(ledger.blockByHash(TestShares.hash("block", 3)).isEmpty());
        }
    }
}
