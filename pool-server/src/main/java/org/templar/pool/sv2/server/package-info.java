/**
 * The Stratum V2 mining server's transport: the Netty listener ({@link org.templar.pool.sv2.server.Sv2Server})
 * with its per-connection pipeline {@code OutboundGuard -> idle -> NoiseHandler -> Sv2FrameDecoder/Encoder ->
 * Sv2MessageHandler -> session bridge}, template fan-out on each session's event loop, the periodic
 * tick (acknowledgement batches, vardiff), and operator actions (kick, SetExtranoncePrefix, Reconnect).
 */
package org.templar.pool.sv2.server;
