-- Several `templar run` instances on one ledger database. Each running instance holds one row of
-- pool_instances: its number (folded into the high bits of every extranonce1 it hands out, so two
-- instances never give miners the same work) under a lease it renews every few seconds. A crashed
-- instance stops renewing; once lease_until is past, a starting instance may take its number over.
-- holder is a random token per process, so a restarted process never mistakes an old row for its own.
CREATE TABLE pool_instances (
    instance_no  INTEGER                     NOT NULL PRIMARY KEY,
    holder       VARCHAR(64)                 NOT NULL,
    host         VARCHAR(255)                NOT NULL,
    started_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    lease_until  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    CONSTRAINT pool_instances_number_range CHECK (instance_no >= 0 AND instance_no < 64)
);

-- Work done once per pool, not once per instance (block tracking: maturity, orphans, credits): one row
-- per role, held by one instance under the same kind of lease; another instance takes the role when
-- the lease runs out (crash) or the row is deleted (clean stop).
CREATE TABLE pool_leader (
    role         VARCHAR(32)                 NOT NULL PRIMARY KEY,
    holder       VARCHAR(64)                 NOT NULL,
    instance_no  INTEGER                     NOT NULL,
    lease_until  TIMESTAMP(6) WITH TIME ZONE NOT NULL
);
