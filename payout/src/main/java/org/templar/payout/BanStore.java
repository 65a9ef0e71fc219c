package org.templar.payout;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Bans kept in the ledger database (table {@code bans}, migration V11), so that they survive a restart.
 * The pool's in-memory ban list is the one consulted per connection; this is its durable copy. Plain
 * JDBC, one short transaction per call: bans are rare, never on the share path.
 */
public final class BanStore {
    /** One stored ban; {@code range} is the text of an address or CIDR range. */
    public record StoredBan(String range, String reason, String source, Instant createdAt, Instant expiresAt) {
        public StoredBan {
            Objects.requireNonNull(range, "range");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(expiresAt, "expiresAt");
        }
    }

    private static final int MAX_REASON = 512;
    private final DataSource dataSource;

    public BanStore(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** Writes {@code ban}, replacing an earlier ban of the same range. */
    public void save(StoredBan ban) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement del = c.prepareStatement("DELETE FROM bans WHERE ip_range = ?");
                    PreparedStatement ins = c.prepareStatement(
                            "INSERT INTO bans (ip_range, reason, source, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")) {
                del.setString(1, ban.range());
                del.executeUpdate();
                ins.setString(1, ban.range());
                String reason = ban.reason();
                ins.setString(2, reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason);
                ins.setString(3, ban.source());
                ins.setObject(4, utc(ban.createdAt()));
                ins.setObject(5, utc(ban.expiresAt()));
                ins.executeUpdate();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Removes the ban of {@code range}; true if there was one. */
    public boolean delete(String range) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM bans WHERE ip_range = ?")) {
            ps.setString(1, range);
            return ps.executeUpdate() > 0;
        }
    }

    /** Bans still in force at {@code now}, oldest first; expired rows are deleted on the way. */
    public List<StoredBan> active(Instant now) throws SQLException {
        List<StoredBan> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement purge = c.prepareStatement("DELETE FROM bans WHERE expires_at <= ?")) {
                purge.setObject(1, utc(now));
                purge.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT ip_range, reason, source, created_at, expires_at FROM bans ORDER BY created_at, ip_range");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredBan(rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.getObject(4, OffsetDateTime.class).toInstant(), rs.getObject(5, OffsetDateTime.class).toInstant()));
                }
            }
        }
        return out;
    }

    private static OffsetDateTime utc(Instant at) {
        return at.atOffset(ZoneOffset.UTC);
    }
}
