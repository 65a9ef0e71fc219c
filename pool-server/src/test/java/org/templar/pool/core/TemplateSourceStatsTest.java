package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TemplateSourceStatsTest {
    private static final long MINUTE = 60_000L;
    private static final long HOUR = 60 * MINUTE;

    @Test
    void fractionsWindowsSourcesAndWorkersFollowTheClock() {
        AtomicLong now = new AtomicLong(1_000 * HOUR);
        TemplateSourceStats s = new TemplateSourceStats(now::get);
        assertEquals(0, s.declaredFraction(ShareStats.Window.H1), "no work at all: 0, not NaN");

        s.share("alice.rig1", "jd-full", 0.6, 3);
        s.share("bob.t", TemplateSourceStats.POOL, 1.0, 1);
        s.declaration(TemplateSourceStats.ACCEPTED, "jds-1");
        s.declaration("invalid-mining-job-token", "jds-1");
        s.declaration("invalid-mining-job-token", "jds-2");
        assertEquals(0.75, s.declaredFraction(ShareStats.Window.H1), 1e-12);
        assertEquals(0.75, s.declaredFraction(ShareStats.Window.H24), 1e-12);
        assertEquals(Map.of("accepted", 1L, "invalid-mining-job-token", 2L), s.declarationsByOutcome());
        assertEquals(1, s.declaringAccounts24h());
        assertEquals(1, s.declaringConnections24h(), "only accepted declarations make a connection a source");
        assertEquals("jd-full", s.worker("alice.rig1").orElseThrow().source());
        assertEquals(0.6, s.worker("alice.rig1").orElseThrow().revenueWeight());

        // two hours on: the hour's window has only the new pool share, the day's still has all
        now.addAndGet(2 * HOUR);
        s.share("bob.t", TemplateSourceStats.POOL, 1.0, 4);
        assertEquals(0, s.declaredFraction(ShareStats.Window.H1), 1e-12);
        assertEquals(3.0 / 8, s.declaredFraction(ShareStats.Window.H24), 1e-12);
        List<TemplateSourceStats.SourceView> v = s.sources();
        assertEquals(List.of("jd-full", "pool"), v.stream().map(TemplateSourceStats.SourceView::source).toList());
        assertEquals(2, v.get(1).shares());
        assertEquals(5, v.get(1).difficulty(), 1e-12);
        assertEquals(4, v.get(1).difficulty1h(), 1e-12);
        assertEquals(0, v.get(0).difficulty1h(), 1e-12);
        assertEquals(3, v.get(0).difficulty24h(), 1e-12);

        // a day later the declaring account, the connection and the worker's entry are gone
        now.addAndGet(25 * HOUR);
        s.share("bob.t", TemplateSourceStats.POOL, 1.0, 1);
        assertEquals(0, s.declaringAccounts24h());
        assertEquals(0, s.declaringConnections24h());
        assertTrue(s.worker("alice.rig1").isEmpty());
        assertEquals(0, s.declaredFraction(ShareStats.Window.H24), 1e-12);
        assertEquals(1, s.sources().get(0).shares(), "totals since start stay");
    }
}
