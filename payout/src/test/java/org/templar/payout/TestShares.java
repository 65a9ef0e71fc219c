package org.templar.payout;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.templar.share.Hex;
import org.templar.share.Sha256;

/** Share and block records for tests: distinct, deterministic, valid. */
final class TestShares {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private TestShares() {}

    /** A distinct 64-hex hash per (tag, n). */
    static String hash(String tag, long n) {
        return Hex.encode(Sha256.hash((tag + ":" + n).getBytes(StandardCharsets.UTF_8)));
    }

    static ShareRecord share(String worker, long n) {
        return ShareRecord.of(worker, "job" + (n % 7), "conn" + (n % 3), 1.0 + (n % 4), 2.5 + n,
                hash(worker, n), false, ShareRecord.POOL, T0.plusMillis(n));
    }
}
