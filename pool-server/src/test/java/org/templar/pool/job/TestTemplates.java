package org.templar.pool.job;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.templar.pool.node.BlockTemplate;

/** Templates for tests outside this package (the constructor is the template source's alone). */
public final class TestTemplates {
    private static final AtomicLong JOB_IDS = new AtomicLong();

    private TestTemplates() {}

    /**
     * An empty regtest template at {@code height}, whose previous block hash is derived from the height,
     * so each height is a new tip.
     */
    public static Template newTip(int height) {
        return newTip(height, 0x207fffff);
    }

    /**
     * As {@link #newTip(int)} with the network target {@code nbits}: 0x1d00ffff (difficulty 1) makes a
     * block all but impossible, so shares at a tiny difficulty are shares and nothing more.
     */
    public static Template newTip(int height, int nbits) {
        byte[] previous = new byte[32];
        for (int i = 0; i < 4; i++) {
            previous[i] = (byte) (height >>> (8 * i));
        }
        previous[31] = 0x7f;
        BlockTemplate bt = new BlockTemplate(0x20000000, previous, List.of(), 5_000_000_000L, nbits, height,
                1_700_000_000L + height, 1_699_999_000L, Optional.empty(), "lp-" + height);
        return new Template(height, bt, true, JobSettings.defaults(), () -> JobId.of(JOB_IDS.incrementAndGet()));
    }

    /**
     * The same work as {@code earlier} published again (as after a job's duplicate filter filled up):
     * its jobs get fresh ids but share duplicate detection with {@code earlier}'s jobs.
     */
    public static Template sameWorkAgain(Template earlier) {
        return new Template(earlier.sequence() + 1, earlier.blockTemplate(), false, JobSettings.defaults(),
                () -> JobId.of(JOB_IDS.incrementAndGet()), earlier, null);
    }
}
