-- Running totals per worker, updated in the same transaction as the shares they count, so that
-- "templar workers" reads one row per worker instead of scanning every share ever recorded (and
-- so that old shares can be pruned later without losing lifetime totals).
CREATE TABLE worker_stats (
    worker          VARCHAR(256)                PRIMARY KEY,
    user_name       VARCHAR(256)                NOT NULL,
    shares          BIGINT                      NOT NULL,
    sum_difficulty  DOUBLE PRECISION            NOT NULL,
    last_share_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL
);

CREATE INDEX worker_stats_user_idx ON worker_stats (user_name);

-- Databases created before this version already hold shares.
INSERT INTO worker_stats (worker, user_name, shares, sum_difficulty, last_share_at)
SELECT worker, MIN(user_name), COUNT(*), SUM(share_difficulty), MAX(submitted_at)
FROM shares
GROUP BY worker;
