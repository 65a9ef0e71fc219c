/**
 * The Netty face of Stratum V2's Noise layer: {@link org.templar.pool.sv2.transport.NoiseHandler}
 * sits next to the socket, runs the handshake and turns ciphertext into plaintext SV2 frames (6-byte
 * header + payload) and back. Message codecs go above it.
 */
package org.templar.pool.sv2.transport;
