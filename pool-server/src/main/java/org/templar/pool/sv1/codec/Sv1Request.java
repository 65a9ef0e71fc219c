package org.templar.pool.sv1.codec;

import java.util.Objects;

/** A call: a request (id present) or a notification (id null), typed. */
public record Sv1Request(Sv1Id id, Sv1Call call) implements Sv1Message {
    public Sv1Request {
        id = id == null ? Sv1Id.NULL : id;
        Objects.requireNonNull(call, "call");
    }

    /** A notification: no id, no answer expected. */
    public static Sv1Request notification(Sv1Call call) {
        return new Sv1Request(Sv1Id.NULL, call);
    }

    public String method() {
        return call.method();
    }

    public boolean isNotification() {
        return id.isNull();
    }
}
