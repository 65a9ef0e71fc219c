/**
 * The pool's Job Declaration Server (06-Job-Declaration-Protocol.md) and the pool-side checks of
 * custom jobs (SetCustomMiningJob), plus a Job Declaration client a miner-side proxy can use.
 *
 * <p>Layers as elsewhere in pool-server: message records come from {@code sv2.codec}
 * ({@code Sv2JobDeclaration}); {@link org.templar.pool.sv2.jds.JdsSession} and
 * {@link org.templar.pool.sv2.jds.JdClientSession} are state machines over those records, confined to
 * their connection's event loop; the JDS listens through the generic {@code sv2.server.Sv2Listener}, and
 * {@link org.templar.pool.sv2.jds.JdClient} are the only classes here that touch Netty. The checks
 * themselves ({@link org.templar.pool.sv2.jds.DeclaredCoinbase},
 * {@link org.templar.pool.sv2.jds.DeclarationCheck}, {@link org.templar.pool.sv2.jds.CustomJobCheck})
 * see neither.
 */
package org.templar.pool.sv2.jds;
