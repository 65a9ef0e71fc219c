package org.templar.pool.sv2.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Collectors;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

/**
 * Turns Netty's leak reports (logged by ResourceLeakDetector, which runs at paranoid level in
 * tests) into test failures: collect garbage, allocate so the detector drains its queue, and
 * fail if anything was reported.
 */
final class LeakWatch {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);

    LeakWatch() {
        appender.start();
        logger.addAppender(appender);
    }

    void assertNoLeaks() throws InterruptedException {
        try {
            for (int round = 0; round < 3; round++) {
                System.gc();
                Thread.sleep(50);
                for (int i = 0; i < 64; i++) {
                    ByteBuf probe = ByteBufAllocator.DEFAULT.buffer(16);
                    probe.release();
                }
            }
            List<String> leaks = appender.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("LEAK")).collect(Collectors.toList());
            assertEquals(List.of(), leaks, "Netty reported leaked buffers");
        } finally {
            logger.detachAppender(appender);
            appender.stop();
        }
    }
}
