package org.templar.pool.sv2.noise;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Hands out the server's Noise identity, issuing a fresh static key and certificate once the
 * current one has used up half of its validity, so a long-running pool never presents an expired
 * certificate. Certificates start a little in the past to tolerate miners whose clocks run behind.
 * Thread-safe: every event loop may ask.
 */
public final class RotatingServerIdentity implements Supplier<ServerIdentity> {

    /** How far back valid_from is set, for client clocks that lag. */
    public static final Duration CLOCK_SKEW_ALLOWANCE = Duration.ofMinutes(5);

    private final AuthorityKeyPair authority;
    private final Duration validity;
    private final Clock clock;
    private final SecureRandom random;
    private ServerIdentity current;
    private Instant renewAt;

    public RotatingServerIdentity(AuthorityKeyPair authority, Duration validity, Clock clock, SecureRandom random) {
        this.authority = Objects.requireNonNull(authority, "authority");
        if (validity.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("certificate validity must be at least one minute, got " + validity);
        }
        this.validity = validity;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public synchronized ServerIdentity get() {
        Instant now = clock.instant();
        if (current == null || !now.isBefore(renewAt)) {
            current = ServerIdentity.issue(authority, now.minus(CLOCK_SKEW_ALLOWANCE),
                    validity.plus(CLOCK_SKEW_ALLOWANCE), random);
            renewAt = now.plus(validity.dividedBy(2));
        }
        return current;
    }
}
