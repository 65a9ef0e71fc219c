package org.templar.pool.sv2.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/** Both handshake state machines in memory: success, every refusal, and the transport framing. */
class NoiseHandshakeTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long NOW = 1_800_000_000L;
    private final AuthorityKeyPair authority = AuthorityKeyPair.generate(RANDOM);
    private final ServerIdentity identity =
            ServerIdentity.issue(authority, Instant.ofEpochSecond(NOW - 60), Duration.ofHours(1), RANDOM);

    private NoiseSession[] handshake(ServerIdentity server, AuthorityPublicKey trusted, long now)
            throws NoiseException {
        NoiseInitiator client = NoiseInitiator.create(trusted, RANDOM);
        NoiseResponder responder = NoiseResponder.create(server, RANDOM);
        byte[] act1 = client.writeAct1();
        assertEquals(64, act1.length);
        byte[] act2 = responder.readAct1(act1);
        assertEquals(234, act2.length);
        NoiseSession clientSession = client.readAct2(act2, now);
        return new NoiseSession[] {clientSession, responder.session()};
    }

    private static byte[] frame(int payloadLength) {
        byte[] frame = new byte[6 + payloadLength];
        frame[0] = 0x00;
        frame[1] = (byte) 0x80;
        frame[2] = 0x1b;
        frame[3] = (byte) payloadLength;
        frame[4] = (byte) (payloadLength >>> 8);
        frame[5] = (byte) (payloadLength >>> 16);
        for (int i = 6; i < frame.length; i++) {
            frame[i] = (byte) (i * 31);
        }
        return frame;
    }

    @Test
    void bothSidesAgreeAndFramesOfEverySizeRoundTrip() throws Exception {
        NoiseSession[] sessions = handshake(identity, authority.publicKey(), NOW);
        assertArrayEquals(sessions[0].handshakeHash(), sessions[1].handshakeHash());
        for (int size : new int[] {0, 1, 65_519, 65_520, 200_000}) {
            byte[] plain = frame(size);
            byte[] wire = sessions[0].encryptFrame(plain, 0, plain.length);
            assertEquals(22 + NoiseSession.payloadCiphertextLength(size), wire.length);
            assertArrayEquals(plain, sessions[1].decryptFrame(wire), "client->server " + size);
            byte[] back = sessions[1].encryptFrame(plain, 0, plain.length);
            assertArrayEquals(plain, sessions[0].decryptFrame(back), "server->client " + size);
        }
    }

    @Test
    void emptyPayloadSendsOnlyTheHeader() throws Exception {
        NoiseSession[] sessions = handshake(identity, authority.publicKey(), NOW);
        byte[] plain = frame(0);
        assertEquals(22, sessions[0].encryptFrame(plain, 0, plain.length).length);
    }

    @Test
    void wrongAuthorityIsRefused() {
        AuthorityPublicKey other = AuthorityKeyPair.generate(RANDOM).publicKey();
        NoiseException e = assertThrows(NoiseException.class, () -> handshake(identity, other, NOW));
        assertEquals(NoiseException.Reason.WRONG_AUTHORITY, e.reason());
    }

    @Test
    void expiredAndNotYetValidCertificatesAreRefused() {
        NoiseException expired = assertThrows(NoiseException.class,
                () -> handshake(identity, authority.publicKey(), NOW + 3600));
        assertEquals(NoiseException.Reason.CERTIFICATE_EXPIRED, expired.reason());
        NoiseException early = assertThrows(NoiseException.class,
                () -> handshake(identity, authority.publicKey(), NOW - 61));
        assertEquals(NoiseException.Reason.CERTIFICATE_NOT_YET_VALID, early.reason());
    }

    @Test
    void certificateForAnotherKeyIsRefused() {
        // A genuine certificate, but for a different static key than the one the server uses.
        ServerIdentity other = ServerIdentity.issue(authority, Instant.ofEpochSecond(NOW - 60), Duration.ofHours(1),
                RANDOM);
        ServerIdentity mismatched = ServerIdentity.of(NoiseKeyPair.generate(RANDOM), other.certificate());
        NoiseException e = assertThrows(NoiseException.class, () -> handshake(mismatched, authority.publicKey(), NOW));
        assertEquals(NoiseException.Reason.WRONG_AUTHORITY, e.reason());
    }

    @Test
    void anyTamperedAct2ByteIsRefused() throws Exception {
        for (int position : new int[] {0, 63, 64, 100, 143, 144, 200, 233}) {
            NoiseInitiator client = NoiseInitiator.create(authority.publicKey(), RANDOM);
            byte[] act2 = NoiseResponder.create(identity, RANDOM).readAct1(client.writeAct1());
            act2[position] ^= 0x01;
            NoiseException e = assertThrows(NoiseException.class, () -> client.readAct2(act2, NOW), "byte " + position);
            assertEquals(NoiseException.Reason.BAD_MAC, e.reason(), "byte " + position);
        }
    }

    @Test
    void truncatedActsAreRefused() throws Exception {
        assertEquals(NoiseException.Reason.MALFORMED, assertThrows(NoiseException.class,
                () -> NoiseResponder.create(identity, RANDOM).readAct1(new byte[63])).reason());
        NoiseInitiator client = NoiseInitiator.create(authority.publicKey(), RANDOM);
        byte[] act2 = NoiseResponder.create(identity, RANDOM).readAct1(client.writeAct1());
        byte[] truncated = java.util.Arrays.copyOf(act2, 233);
        assertEquals(NoiseException.Reason.MALFORMED,
                assertThrows(NoiseException.class, () -> client.readAct2(truncated, NOW)).reason());
    }

    @Test
    void replayedAndReorderedFramesFailTheirMac() throws Exception {
        NoiseSession[] sessions = handshake(identity, authority.publicKey(), NOW);
        byte[] first = sessions[0].encryptFrame(frame(10), 0, 16);
        byte[] second = sessions[0].encryptFrame(frame(20), 0, 26);
        assertEquals(NoiseException.Reason.BAD_MAC,
                assertThrows(NoiseException.class, () -> sessions[1].decryptFrame(second)).reason());
        assertArrayEquals(frame(10), sessions[1].decryptFrame(first));
        assertEquals(NoiseException.Reason.BAD_MAC,
                assertThrows(NoiseException.class, () -> sessions[1].decryptFrame(first)).reason());
        assertArrayEquals(frame(20), sessions[1].decryptFrame(second));
    }

    @Test
    void clientWithoutAuthorityKeyCannotBeCreated() {
        assertThrows(IllegalArgumentException.class, () -> NoiseInitiator.create(null, RANDOM));
    }
}
