/**
 * The Stratum V2 mining server's session layer: {@link org.templar.pool.sv2.mining.Sv2MiningSession}
 * is one connection's state machine over message records (SetupConnection, standard / extended /
 * group channels, jobs, targets, shares), driving the protocol-independent pool core
 * ({@link org.templar.pool.core.ShareProcessor}, vardiff, extranonce allocation, the same jobs as
 * Stratum V1). It never sees bytes or channels: output goes through
 * {@link org.templar.pool.sv2.session.Sv2Output}, which the transport implements.
 */
package org.templar.pool.sv2.mining;
