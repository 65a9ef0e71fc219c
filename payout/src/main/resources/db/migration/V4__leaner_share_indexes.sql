-- Every index on shares is written in the ledger writer's transaction for every share, and the
-- writer is what bounds the pool's share rate (see docs/BENCHMARKS.md, "Share path"). Two of V1's
-- indexes have no reader any more: per-worker figures come from worker_stats (V3), and no query
-- looks a share up by its hash. Dropping them leaves shares_user_idx (sharesFor) and
-- shares_time_idx (difficulty since a time, payout windows).
DROP INDEX IF EXISTS shares_worker_idx;
DROP INDEX IF EXISTS shares_hash_idx;
