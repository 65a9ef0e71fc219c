-- A settlement is applied (CREDITED, MATURE: in balances and, for TIDES, in carried_sats), HELD
-- (recorded, not in balances or carries: the block is not on the node's best chain yet, as a TIDES
-- block recorded at its solve or a stale sibling) or REVERSED (taken back off the balances: the block
-- left the best chain; its rows stay and block_credits.reversed_at shows when). The block tracker
-- moves settlements between these along the best chain. Same SQL for H2 2.x and PostgreSQL 12+.
ALTER TABLE block_settlements DROP CONSTRAINT settlement_state;
ALTER TABLE block_settlements ADD CONSTRAINT settlement_state CHECK (state IN ('CREDITED', 'MATURE', 'HELD', 'REVERSED'));
