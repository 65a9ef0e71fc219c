/**
 * Stratum V2 plaintext codec: bytes to message records and back, no session state.
 *
 * <p>Layers, bottom up:
 * <ul>
 *   <li>{@link org.templar.pool.sv2.codec.Sv2Reader} / {@link org.templar.pool.sv2.codec.Sv2Writer}:
 *       the data types of spec section 3.1 over a ByteBuf, every length checked, errors as
 *       {@link org.templar.pool.sv2.codec.Sv2CodecException}. Value types {@link
 *       org.templar.pool.sv2.codec.Bytes}, {@link org.templar.pool.sv2.codec.U256} (raw LE) and
 *       {@link org.templar.pool.sv2.codec.Str0255} (byte string) give records equality by content.</li>
 *   <li>{@link org.templar.pool.sv2.codec.Sv2Frame}: header (extension_type + channel_msg bit,
 *       msg_type, U24 length) and payload; {@link org.templar.pool.sv2.codec.Sv2FrameDecoder} and
 *       {@link org.templar.pool.sv2.codec.Sv2FrameEncoder} put frames on a Netty pipeline.</li>
 *   <li>One record per message, grouped by subprotocol: {@link org.templar.pool.sv2.codec.Sv2Common},
 *       {@link org.templar.pool.sv2.codec.Sv2Mining}, {@link org.templar.pool.sv2.codec.Sv2JobDeclaration},
 *       {@link org.templar.pool.sv2.codec.Sv2TemplateDistribution},
 *       {@link org.templar.pool.sv2.codec.Sv2ExtensionsNegotiation} (extension 0x0001); extension
 *       0x0002 TLVs via {@link org.templar.pool.sv2.codec.Sv2Tlvs} and
 *       {@link org.templar.pool.sv2.codec.Sv2WorkerHashrateTracking}.</li>
 *   <li>{@link org.templar.pool.sv2.codec.Sv2MessageType}: the one table of messages (numbers,
 *       channel_msg bit, subprotocol, record class and decoder); adding a message is a record and an
 *       entry there.</li>
 *   <li>{@link org.templar.pool.sv2.codec.Sv2MessageCodec} (frame to record, unknown numbers to
 *       {@link org.templar.pool.sv2.codec.UnknownMessage}) and its pipeline adapter
 *       {@link org.templar.pool.sv2.codec.Sv2MessageHandler}.</li>
 * </ul>
 * Pipeline: {@code NoiseHandler -> Sv2FrameDecoder, Sv2FrameEncoder -> Sv2MessageHandler -> session}.
 */
package org.templar.pool.sv2.codec;
