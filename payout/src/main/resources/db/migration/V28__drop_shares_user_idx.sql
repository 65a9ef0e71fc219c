-- shares_user_idx (user_name, id) was written for every share and was the ledger writer's largest
-- cost with many accounts: a batch of 1,000 shares from 1,000 accounts lands on about as many leaf
-- pages of the index, and each commit writes every page it dirtied. Dropping it took the writer from
-- 10,835 to 30,044 durable shares/s on H2 and from 48,617 to 85,224 on PostgreSQL (docs/BENCHMARKS.md,
-- "Durable shares per second through the ledger writer"). No pool path reads shares by account: the
-- dashboard and API read worker_stats (V3, V26); payouts read shares by id (the rolling window) and
-- group them by account inside an id range; retention reads by id. Ledger.sharesFor and
-- sumDifficultySince(user, since), kept for tests and tooling, now scan by id and by time.
DROP INDEX IF EXISTS shares_user_idx;
