-- Retention: shares that can no longer matter to any payout (see ShareRetention for the bounds) are
-- folded into one row per worker, payout mode, template source and hour, and deleted from shares in
-- the same transaction, so the shares table stays bounded while totals and history stay readable.
CREATE TABLE share_aggregates (
    worker                  VARCHAR(256)                NOT NULL,
    payout_mode             VARCHAR(8)                  NOT NULL,
    template_source         VARCHAR(16)                 NOT NULL,
    bucket_start            TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    user_name               VARCHAR(256)                NOT NULL,
    shares                  BIGINT                      NOT NULL,
    sum_difficulty          DOUBLE PRECISION            NOT NULL,
    -- difficulty x revenue weight: what the shares counted for in payouts
    sum_weighted_difficulty DOUBLE PRECISION            NOT NULL,
    best_difficulty         DOUBLE PRECISION            NOT NULL,
    block_candidates        BIGINT                      NOT NULL,
    first_share_id          BIGINT                      NOT NULL,
    last_share_id           BIGINT                      NOT NULL,
    first_share_at          TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    last_share_at           TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (worker, payout_mode, template_source, bucket_start),
    CONSTRAINT share_aggregates_counts CHECK (shares > 0 AND block_candidates >= 0)
);

-- sumDifficultySince and per-user history read by time.
CREATE INDEX share_aggregates_time_idx ON share_aggregates (bucket_start);
CREATE INDEX share_aggregates_user_idx ON share_aggregates (user_name, bucket_start);

-- One row: what compaction has done so far. Each compaction batch locks it first, so two pool
-- instances (or the pool and `templar ledger compact`) never fold the same shares at once; and
-- `payouts verify` reads the horizon from it to tell "the shares are gone" from "the credit is wrong".
CREATE TABLE share_retention (
    id                      INTEGER                     NOT NULL PRIMARY KEY,
    compacted_shares        BIGINT                      NOT NULL,
    max_compacted_id        BIGINT                      NOT NULL,
    max_compacted_at        TIMESTAMP(6) WITH TIME ZONE,
    last_run_at             TIMESTAMP(6) WITH TIME ZONE,
    CONSTRAINT share_retention_one_row CHECK (id = 1)
);

INSERT INTO share_retention (id, compacted_shares, max_compacted_id) VALUES (1, 0, 0);
