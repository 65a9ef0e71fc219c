package org.templar.pool.sv2.noise;

/**
 * The transport phase: two CipherStates (one per direction) and the SV2 framing over them. A
 * plaintext frame is the 6-byte header (extension_type U16, msg_type U8, msg_length U24, LE) and
 * msg_length payload bytes. On the wire the header is encrypted alone (22 bytes), then the payload
 * in chunks of at most 65,519 plaintext bytes, each with its own MAC and nonce; an empty payload
 * adds nothing. msg_length stays the plaintext length. Not thread-safe.
 */
public final class NoiseSession {

    public static final int HEADER_LENGTH = 6;
    public static final int ENCRYPTED_HEADER_LENGTH = HEADER_LENGTH + CipherState.MAC_LENGTH;
    public static final int MAX_CHUNK_CIPHERTEXT = 65_535;
    public static final int MAX_CHUNK_PLAINTEXT = MAX_CHUNK_CIPHERTEXT - CipherState.MAC_LENGTH;
    /** msg_length is a U24. */
    public static final int MAX_PAYLOAD_LENGTH = 0xFF_FFFF;
    private static final byte[] NO_AD = new byte[0];

    private final CipherState sender;
    private final CipherState receiver;
    private final byte[] handshakeHash;

    NoiseSession(CipherState sender, CipherState receiver, byte[] handshakeHash) {
        this.sender = sender;
        this.receiver = receiver;
        this.handshakeHash = handshakeHash;
    }

    /** The final handshake hash h: equal on both ends, usable as a channel binding. */
    public byte[] handshakeHash() {
        return handshakeHash.clone();
    }

    /** Wire length of a payload of {@code payloadLength} plaintext bytes (header excluded). */
    public static long payloadCiphertextLength(long payloadLength) {
        long full = payloadLength / MAX_CHUNK_PLAINTEXT;
        long rest = payloadLength % MAX_CHUNK_PLAINTEXT;
        return full * MAX_CHUNK_CIPHERTEXT + (rest > 0 ? rest + CipherState.MAC_LENGTH : 0);
    }

    /** msg_length of a plaintext header. */
    public static int payloadLength(byte[] header, int offset) {
        return (header[offset + 3] & 0xff) | (header[offset + 4] & 0xff) << 8 | (header[offset + 5] & 0xff) << 16;
    }

    /**
     * Encrypts one plaintext frame (header + payload, whose msg_length must match) into its wire form.
     */
    public byte[] encryptFrame(byte[] frame, int offset, int length) throws NoiseException {
        if (length < HEADER_LENGTH) {
            throw new IllegalArgumentException("a frame has a 6-byte header, got " + length + " bytes");
        }
        int payloadLength = payloadLength(frame, offset);
        if (payloadLength != length - HEADER_LENGTH) {
            throw new IllegalArgumentException("frame header says " + payloadLength + " payload bytes, frame has "
                    + (length - HEADER_LENGTH));
        }
        byte[] out = new byte[Math.toIntExact(ENCRYPTED_HEADER_LENGTH + payloadCiphertextLength(payloadLength))];
        byte[] header = sender.encryptWithAd(NO_AD, frame, offset, HEADER_LENGTH);
        System.arraycopy(header, 0, out, 0, header.length);
        int written = header.length;
        int position = offset + HEADER_LENGTH;
        int remaining = payloadLength;
        while (remaining > 0) {
            int chunk = Math.min(remaining, MAX_CHUNK_PLAINTEXT);
            byte[] ciphertext = sender.encryptWithAd(NO_AD, frame, position, chunk);
            System.arraycopy(ciphertext, 0, out, written, ciphertext.length);
            written += ciphertext.length;
            position += chunk;
            remaining -= chunk;
        }
        return out;
    }

    /** Decrypts a 22-byte encrypted header into the 6 plaintext header bytes. */
    public byte[] decryptHeader(byte[] wire, int offset) throws NoiseException {
        return receiver.decryptWithAd(NO_AD, wire, offset, ENCRYPTED_HEADER_LENGTH);
    }

    /** Decrypts one payload chunk (its plaintext plus 16 MAC bytes). */
    public byte[] decryptChunk(byte[] wire, int offset, int length) throws NoiseException {
        if (length > MAX_CHUNK_CIPHERTEXT) {
            throw new IllegalArgumentException("a chunk is at most 65535 bytes");
        }
        return receiver.decryptWithAd(NO_AD, wire, offset, length);
    }

    /** Decrypts exactly one whole wire frame into its plaintext frame (convenience for byte-array users). */
    public byte[] decryptFrame(byte[] wire) throws NoiseException {
        if (wire.length < ENCRYPTED_HEADER_LENGTH) {
            throw new NoiseException(NoiseException.Reason.MALFORMED, "shorter than an encrypted header");
        }
        byte[] header = decryptHeader(wire, 0);
        int payloadLength = payloadLength(header, 0);
        if (wire.length != ENCRYPTED_HEADER_LENGTH + payloadCiphertextLength(payloadLength)) {
            throw new NoiseException(NoiseException.Reason.MALFORMED, "wire frame length does not match its header");
        }
        byte[] frame = new byte[HEADER_LENGTH + payloadLength];
        System.arraycopy(header, 0, frame, 0, HEADER_LENGTH);
        int position = ENCRYPTED_HEADER_LENGTH;
        int written = HEADER_LENGTH;
        while (position < wire.length) {
            int chunk = Math.min(wire.length - position, MAX_CHUNK_CIPHERTEXT);
            byte[] plaintext = decryptChunk(wire, position, chunk);
            System.arraycopy(plaintext, 0, frame, written, plaintext.length);
            written += plaintext.length;
            position += chunk;
        }
        return frame;
    }
}
