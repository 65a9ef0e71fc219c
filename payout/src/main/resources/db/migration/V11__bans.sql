-- Addresses and ranges the pool refuses, so a ban outlives a restart. One row per range (a single
-- address is written as its /32 or /128 range's text, e.g. '203.0.113.5'); banning a range again
-- replaces its row. source is 'operator' (templar ban, templar kick) or 'automatic' (abuse rules).
-- Expired rows are ignored when loading and deleted by the pool now and then.
CREATE TABLE bans (
    ip_range    VARCHAR(64)                 NOT NULL PRIMARY KEY,
    reason      VARCHAR(512)                NOT NULL,
    source      VARCHAR(16)                 NOT NULL,
    created_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    expires_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    CONSTRAINT bans_source_known CHECK (source IN ('operator', 'automatic'))
);

CREATE INDEX bans_expires_idx ON bans (expires_at);
