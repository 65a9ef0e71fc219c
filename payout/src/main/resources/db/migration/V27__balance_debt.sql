-- What an account owes the pool: a mature block that a reorganisation deeper than coinbase maturity
-- takes off the best chain has its credits taken back from the available balance (PayoutLedger.orphan),
-- and what the available balance no longer holds (the miner was already paid) becomes a debt. Later
-- credits pay the debt before anything becomes available, so an account never has both; the available
-- balance itself stays non-negative (V5), and with it the database's own guard against paying twice.
ALTER TABLE balances ADD COLUMN debt_sats BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE balances ADD CONSTRAINT balance_debt CHECK (debt_sats >= 0 AND (debt_sats = 0 OR available_sats = 0));
