package org.templar.pool.sv2.noise;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class RotatingServerIdentityTest {

    /** A clock the test moves by hand. */
    private static final class SettableClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.ofEpochSecond(1_800_000_000L));

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    @Test
    void renewsAtHalfLifeSoClientsNeverSeeAnExpiredCertificate() throws Exception {
        SecureRandom random = new SecureRandom();
        AuthorityKeyPair authority = AuthorityKeyPair.generate(random);
        SettableClock clock = new SettableClock();
        RotatingServerIdentity source = new RotatingServerIdentity(authority, Duration.ofHours(2), clock, random);

        ServerIdentity first = source.get();
        assertSame(first, source.get());
        clock.now.set(clock.instant().plus(Duration.ofMinutes(59)));
        assertSame(first, source.get());
        clock.now.set(clock.instant().plus(Duration.ofMinutes(2)));
        ServerIdentity second = source.get();
        assertNotSame(first, second);

        // A client whose clock lags by a few minutes still accepts it, and one at its renewal time too.
        long issuedAt = clock.instant().getEpochSecond();
        for (long clientNow : new long[] {issuedAt - 240, issuedAt, issuedAt + 3600}) {
            NoiseInitiator client = NoiseInitiator.create(authority.publicKey(), random);
            byte[] act2 = NoiseResponder.create(second, random).readAct1(client.writeAct1());
            assertDoesNotThrow(() -> client.readAct2(act2, clientNow));
        }
    }
}
