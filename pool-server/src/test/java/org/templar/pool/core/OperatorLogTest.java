package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The operators' log's token bucket, on a fake clock. */
class OperatorLogTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger("test.operators." + System.nanoTime());

    OperatorLogTest() {
        logger.setLevel(Level.INFO);
        lines.start();
        logger.addAppender(lines);
    }

    private List<String> messages() {
        return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aBurstOfOneSecondThenTheRateAndTheDroppedLinesCounted() {
        OperatorLog log = new OperatorLog(5, nanos::get, logger);
        int passed = 0;
        for (int i = 0; i < 1000; i++) {
            if (log.info("line {}", i)) {
                passed++;
            }
        }
        assertEquals(5, passed, "a second's worth at once");
        assertEquals(995, log.suppressed());
        nanos.addAndGet(200_000_000L); // 0.2 s: one token
        assertTrue(log.info("after a pause"));
        assertFalse(log.info("and no more yet"));
        List<String> m = messages();
        assertEquals("995 operator log line(s) suppressed (over log.max_lines_per_second)", m.get(5));
        assertEquals("after a pause", m.get(6));
        assertEquals(7, m.size());
        log.flushSuppressed();
        assertEquals("1 operator log line(s) suppressed (over log.max_lines_per_second)", messages().get(7));
        log.flushSuppressed();
        assertEquals(8, messages().size(), "nothing to report twice");
    }

    @Test
    void overAMinuteOfFloodTheLinesStayAtTheRate() {
        OperatorLog log = new OperatorLog(2, nanos::get, logger);
        for (int ms = 0; ms < 60_000; ms++) { // 1000 attempts a second for 60 s
            log.info("flood");
            nanos.addAndGet(1_000_000L);
        }
        long flood = messages().stream().filter("flood"::equals).count();
        assertTrue(flood >= 119 && flood <= 122, flood + " lines");
        assertTrue(messages().size() <= 2 * flood, "at most one 'suppressed' line per line that passes");
    }

    @Test
    void theRateMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new OperatorLog(0));
    }
}
