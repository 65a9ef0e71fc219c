package org.templar.payout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;

import org.postgresql.PGConnection;

/**
 * A share batch for PostgreSQL as one {@code COPY shares FROM STDIN}: the server parses one stream
 * instead of executing the INSERT once per share, which is most of what a batch costs it. Text format:
 * a tab between columns, a newline after each row, and in values a backslash before backslash, tab,
 * newline and carriage return; worker names come from miners and may hold any of them. No value is
 * NULL (every column is NOT NULL), so {@code \N} never needs writing.
 */
final class PostgresShareCopy {
    private static final String COPY_SHARES = "COPY shares (" + Ledger.SHARE_COLUMNS + ") FROM STDIN";

    private final StringBuilder rows;

    PostgresShareCopy(int expectedShares) {
        this.rows = new StringBuilder(256 * expectedShares);
    }

    /** Same columns, same order, same values as {@link GroupCommitWriter#bind}. */
    void add(ShareRecord s) {
        text(s.worker()).append('\t');
        text(s.user()).append('\t');
        text(s.workerName()).append('\t');
        text(s.jobId()).append('\t');
        text(s.channelId()).append('\t');
        // Double.toString is the shortest text that reads back as the same double (float8in is exact).
        rows.append(s.shareDifficulty()).append('\t');
        rows.append(s.achievedDifficulty()).append('\t');
        text(s.shareHash()).append('\t');
        rows.append(s.blockCandidate() ? 't' : 'f').append('\t');
        text(s.payoutMode()).append('\t');
        // ISO 8601 in UTC, e.g. 2026-01-01T00:00:00.123456Z; ShareRecord holds microseconds at most.
        rows.append(s.time()).append('\t');
        rows.append(s.revenueWeight()).append('\t');
        text(s.templateSource()).append('\n');
    }

    private StringBuilder text(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> rows.append("\\\\");
                case '\t' -> rows.append("\\t");
                case '\n' -> rows.append("\\n");
                case '\r' -> rows.append("\\r");
                default -> rows.append(c);
            }
        }
        return rows;
    }

    /** Streams the rows into {@code shares} in the connection's current transaction. */
    void copyInto(Connection connection) throws SQLException {
        byte[] bytes = rows.toString().getBytes(StandardCharsets.UTF_8); // pgjdbc's client_encoding
        try {
            connection.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY_SHARES, new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new SQLException("COPY of a share batch failed: " + e.getMessage(), e);
        }
    }
}
