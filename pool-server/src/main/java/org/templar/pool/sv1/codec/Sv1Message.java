package org.templar.pool.sv1.codec;

/** One line of Stratum V1: a JSON-RPC request/notification or a response. */
public sealed interface Sv1Message permits Sv1Request, Sv1Response {}
