/**
 * Payout schemes: SOLO, PPLNS, PROP, PPS/FPPS and a TIDES-style in-coinbase scheme behind
 * {@link org.templar.payout.scheme.PayoutScheme}.
 *
 * <p>Amounts are satoshis in {@code long}; share weights are exact binary fractions
 * ({@link org.templar.payout.scheme.ExactWeight}), never summed in floating point. Every
 * distribution is a pure function of its inputs, sums to the reward exactly (the pool fee rounded
 * down, the miners' part divided by the largest remainder rule of
 * {@link org.templar.payout.scheme.Apportion}), and can therefore be recomputed by a miner.
 */
package org.templar.payout.scheme;
