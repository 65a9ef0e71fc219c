package org.templar.pool.sv2.transport;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

import org.templar.pool.sv2.noise.NoiseSession;

/**
 * Knobs of {@link NoiseHandler}.
 *
 * @param maxPayloadLength largest inbound msg_length accepted, checked before any buffer is
 *        allocated for the frame (default the U24 maximum)
 * @param handshakeTimeout a peer that has not completed the handshake by then is dropped, so a
 *        half-sent act cannot hold a connection open
 * @param clock unix seconds, against which a client checks the server certificate's window
 * @param random source of ephemeral keys
 */
public record NoiseTransportConfig(int maxPayloadLength, Duration handshakeTimeout, LongSupplier clock,
        SecureRandom random) {

    public NoiseTransportConfig {
        if (maxPayloadLength < 0 || maxPayloadLength > NoiseSession.MAX_PAYLOAD_LENGTH) {
            throw new IllegalArgumentException("maxPayloadLength must be 0.." + NoiseSession.MAX_PAYLOAD_LENGTH);
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive");
        }
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
    }

    public static NoiseTransportConfig defaults() {
        return new NoiseTransportConfig(NoiseSession.MAX_PAYLOAD_LENGTH, Duration.ofSeconds(10),
                () -> System.currentTimeMillis() / 1000, new SecureRandom());
    }

    public NoiseTransportConfig withMaxPayloadLength(int max) {
        return new NoiseTransportConfig(max, handshakeTimeout, clock, random);
    }

    public NoiseTransportConfig withHandshakeTimeout(Duration timeout) {
        return new NoiseTransportConfig(maxPayloadLength, timeout, clock, random);
    }

    public NoiseTransportConfig withClock(LongSupplier epochSeconds) {
        return new NoiseTransportConfig(maxPayloadLength, handshakeTimeout, epochSeconds, random);
    }
}
