package org.templar.pool.sv1.codec;

/** A typed Stratum V1 call: a miner's ({@link Sv1ClientCall}) or a pool's ({@link Sv1ServerCall}). */
public sealed interface Sv1Call permits Sv1ClientCall, Sv1ServerCall {
    /** The JSON-RPC method name it travels under. */
    String method();
}
