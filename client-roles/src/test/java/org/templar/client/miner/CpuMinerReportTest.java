package org.templar.client.miner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** What `templar mine` prints: no hashrate lines while it has no work, and one final summary. */
@Timeout(60)
class CpuMinerReportTest {
    /** The miner's log lines; appended on the miner's threads while the test reads them. */
    private static final class Lines extends AppenderBase<ILoggingEvent> {
        final List<String> list = new CopyOnWriteArrayList<>();

        @Override
        protected void append(ILoggingEvent e) {
            list.add(e.getFormattedMessage());
        }
    }

    private static long count(Lines log, String prefix) {
        return log.list.stream().filter(m -> m.startsWith(prefix)).count();
    }

    @Test
    void noHashrateReportsWithoutWorkAndOneFinalSummary() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(CpuMiner.class);
        Lines log = new Lines();
        log.start();
        logger.addAppender(log);
        try (ScriptedPool pool = new ScriptedPool(null, 0.00002, null)) { // answers the handshake, sends no job
            CpuMiner miner = CpuMiner.start(MinerConfig.of(pool.url(), "bcrt1qtestworker.rig1").withThreads(1)
                    .withVersionRolling(false).withStatsInterval(Duration.ofMillis(100)));
            try {
                long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (System.nanoTime() < end) {
                    Thread.sleep(50);
                }
                assertEquals(0, count(log, "hashrate"), "no hashrate lines without work: " + log.list);
                assertEquals(1, count(log, "no work from the pool"), "said once: " + log.list);

                pool.notify(TestJob.build("w1", 0x1d00ffff, "/report/"), true);
                pool.next(Duration.ofSeconds(30)); // it hashes now
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (count(log, "hashrate") == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(count(log, "hashrate") > 0, "reports resume with work: " + log.list);
            } finally {
                miner.close();
            }
            miner.termination().get();
            assertEquals(1, count(log, "final: "), "one final summary: " + log.list);
        } finally {
            logger.detachAppender(log);
        }
    }
}
