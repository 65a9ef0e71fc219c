-- A TIDES block mined on a miner-declared job (Job Declaration with extension 0x0003) divides only the
-- payout value the miner asked the pool to plan; the rest of its coinbase pays the miner's own outputs.
-- The flag lets `templar payouts verify` tell that legitimate difference from a settlement that divides
-- less than the block's reward for no reason.
ALTER TABLE block_settlements ADD COLUMN miner_declared BOOLEAN DEFAULT FALSE NOT NULL;
