/**
 * The ledger and, later, the money: accepted shares, found blocks, payout schemes.
 *
 * <p>{@link org.templar.payout.Ledger} is the entry point. Open it from a
 * {@link org.templar.payout.LedgerConfig} ({@code LedgerConfig.embedded(dataDir)} for the default H2
 * file database), record shares with {@code recordShare} (non-blocking, completes when durable, fails
 * fast with {@link org.templar.payout.LedgerBusyException} under back pressure), record a solved block
 * with {@code recordBlockCandidate} before submitting it, and its fate with {@code updateBlockStatus}.
 * The pool's share path sees only {@link org.templar.payout.ShareLedger} and
 * {@link org.templar.payout.BlockLedger}, the two halves of that contract, which the ledger implements.
 * The schema lives in {@code db/migration} (Flyway), written to run on H2 and PostgreSQL alike.
 * Amounts are satoshis in {@code long}; difficulty sums are {@code double} because difficulty is a ratio.
 */
package org.templar.payout;
