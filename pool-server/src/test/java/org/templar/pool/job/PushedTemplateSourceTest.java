package org.templar.pool.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.templar.pool.node.BlockTemplate;

/** {@link TemplateSource#pushed}: templates offered from elsewhere (the proxy's Template Distribution client). */
class PushedTemplateSourceTest {
    static BlockTemplate template(int height, long value) {
        byte[] prev = new byte[32];
        prev[0] = (byte) height;
        return new BlockTemplate(0x20000000, prev, List.of(), value, 0x207fffff, height, 1_700_000_000L, 1_700_000_000L,
                Optional.empty(), "tdp:" + height);
    }

    @Test
    void offeredTemplatesArePublishedAndUnchangedWorkIsNot() throws Exception {
        try (TemplateSource source = TemplateSource.pushed(JobSettings.defaults(), UnaryOperator.identity())) {
            LinkedBlockingQueue<Template> seen = new LinkedBlockingQueue<>();
            source.addListener(seen::add);
            assertFalse(source.start(Duration.ofMillis(100)), "nothing offered yet");

            BlockTemplate first = template(10, 5_000_000_000L);
            source.offer(first);
            Template t1 = seen.poll(5, TimeUnit.SECONDS);
            assertSame(first, t1.blockTemplate());
            assertTrue(t1.newTip());
            assertTrue(source.start(Duration.ofMillis(100)));

            source.offer(template(10, 5_000_000_000L)); // the same work again
            source.refresh(); // nothing to ask for
            BlockTemplate fresher = template(10, 5_000_010_000L);
            source.offer(fresher);
            Template t2 = seen.poll(5, TimeUnit.SECONDS);
            assertSame(fresher, t2.blockTemplate(), "the unchanged one was not published");
            assertFalse(t2.newTip(), "same tip, more fees");

            source.renewJobs();
            Template t3 = seen.poll(5, TimeUnit.SECONDS);
            assertSame(fresher, t3.blockTemplate(), "fresh job ids for the same work");
            assertNotEquals(t2.sequence(), t3.sequence());

            source.offer(template(11, 5_000_000_000L));
            assertTrue(seen.poll(5, TimeUnit.SECONDS).newTip());
            assertEquals(11, source.current().blockTemplate().height());
            assertEquals(4, source.templatesFetched());
        }
    }
}
