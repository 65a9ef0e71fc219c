/**
 * The Stratum V2 transport for every role: {@link org.templar.pool.sv2.server.Sv2Listener} binds a port and
 * gives each connection the pipeline {@code OutboundGuard -> NoiseHandler -> Sv2FrameDecoder -> idle ->
 * Sv2FrameEncoder -> Sv2MessageHandler -> Sv2Connection}, admission (bans, caps), the set-up and work
 * deadlines, the operators' connect/disconnect lines and the periodic tick; the role brings only its
 * {@link org.templar.pool.sv2.session.Sv2Session}. {@link org.templar.pool.sv2.server.Sv2Server} is the
 * mining listener built on it: template fan-out on each session's event loop and the operator's actions
 * (kick, SetExtranoncePrefix, set-difficulty, Reconnect). The Job Declaration and Template Distribution
 * listeners are plain {@code Sv2Listener}s (see ops' PoolRuntime).
 */
package org.templar.pool.sv2.server;
