-- Job Declaration: a share on a job the miner declared (its own template) is credited at the job's
-- revenue weight, the fraction of the template's revenue the job pays to the pool's output
-- (1 for the pool's own jobs), and records where its template came from ('pool', or the miner's
-- 'jd-full' / 'jd-coinbase' declaration). Numbered 10 to stay clear of migrations being added
-- concurrently; Flyway applies them in version order.
ALTER TABLE shares ADD COLUMN revenue_weight DOUBLE PRECISION DEFAULT 1 NOT NULL;
ALTER TABLE shares ADD COLUMN template_source VARCHAR(16) DEFAULT 'pool' NOT NULL;
