-- PPS/FPPS: what each share-credit batch was priced with, so that anyone holding the ledger (or its
-- export) can price the batch's shares again exactly (`templar payouts verify --share-credits`):
-- the subsidy and network difficulty of the tracker's poll, FPPS's fee estimate as the sum of the
-- recent blocks' fees and how many blocks it averages over, and the pool fee and donation in parts
-- per million. Batches credited before this migration have none of them (NULL): verify shows them
-- without pricing them again. Same SQL for H2 2.x and PostgreSQL 12+ (see V1).
ALTER TABLE share_credit_batches ADD COLUMN subsidy_sats BIGINT;
ALTER TABLE share_credit_batches ADD COLUMN network_difficulty DOUBLE PRECISION;
ALTER TABLE share_credit_batches ADD COLUMN fee_blocks INTEGER;
ALTER TABLE share_credit_batches ADD COLUMN fees_sats BIGINT;
ALTER TABLE share_credit_batches ADD COLUMN fee_ppm BIGINT;
ALTER TABLE share_credit_batches ADD COLUMN donation_ppm BIGINT;
-- All six or none: a CHECK that comes out unknown passes, hence the explicit IS NOT NULL.
ALTER TABLE share_credit_batches ADD CONSTRAINT share_credit_batch_rate CHECK (
    (subsidy_sats IS NULL AND network_difficulty IS NULL AND fee_blocks IS NULL AND fees_sats IS NULL
        AND fee_ppm IS NULL AND donation_ppm IS NULL)
    OR (subsidy_sats IS NOT NULL AND network_difficulty IS NOT NULL AND fee_blocks IS NOT NULL
        AND fees_sats IS NOT NULL AND fee_ppm IS NOT NULL AND donation_ppm IS NOT NULL
        AND subsidy_sats >= 0 AND network_difficulty > 0 AND fee_blocks >= 0 AND fees_sats >= 0
        AND fee_ppm >= 0 AND donation_ppm >= 0 AND fee_ppm + donation_ppm <= 1000000));
