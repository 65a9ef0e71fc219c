package org.templar.payout.scheme;

import java.util.Objects;

/** Satoshis owed to one account. */
public record Credit(String account, long sats) {
    public Credit {
        Objects.requireNonNull(account, "account");
        if (account.isEmpty()) {
            throw new IllegalArgumentException("account must not be empty");
        }
        if (sats < 0) {
            throw new IllegalArgumentException("credit must not be negative: " + sats + " to " + account);
        }
    }
}
