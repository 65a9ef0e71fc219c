package org.templar.pool.sv1.codec;

/**
 * One line of Stratum V1 as the codec hands it on: a typed call, an answer, or a call that could be
 * read as JSON-RPC but not as a valid call of its direction ({@link Sv1Invalid}, carrying the error to
 * answer with).
 */
public sealed interface Sv1Message permits Sv1Request, Sv1Response, Sv1Invalid {}
