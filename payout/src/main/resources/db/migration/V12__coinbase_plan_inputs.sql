-- TIDES: what a block's coinbase plan was computed from, so that anyone holding the ledger can
-- compute it again (`templar payouts verify`): the last share of its window (shares with a higher
-- id came later), the network difficulty that sized the window, and what earlier blocks had
-- carried for each account when the plan was made. Empty for schemes credited by the tracker.
ALTER TABLE block_settlements ADD COLUMN window_last_share_id BIGINT;
ALTER TABLE block_settlements ADD COLUMN network_difficulty DOUBLE PRECISION;

CREATE TABLE coinbase_carried_in (
    block_hash      CHAR(64)                    NOT NULL REFERENCES block_settlements (block_hash),
    account         VARCHAR(256)                NOT NULL,
    sats            BIGINT                      NOT NULL,
    PRIMARY KEY (block_hash, account),
    CONSTRAINT coinbase_carried_in_positive CHECK (sats > 0)
);
