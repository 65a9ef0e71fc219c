/**
 * What every Stratum V2 role's session and its transport agree on: {@link org.templar.pool.sv2.session.Sv2Session}
 * (messages in, set-up and work deadlines, ticks) and {@link org.templar.pool.sv2.session.Sv2Output} (messages
 * out, close, the session's own thread). Sits below the roles (mining, jds, tdp) and the listener that
 * carries them, so neither depends on the other.
 */
package org.templar.pool.sv2.session;
