package org.templar.pool.sv1.codec;

/**
 * A JSON-RPC call that is not a valid Stratum V1 call of its direction: an unknown method, or
 * parameters of the wrong number or type. {@code error} is what to answer with, under the call's id.
 * (A line that is not even a JSON-RPC envelope has no id to answer under; the decoder throws
 * {@link Sv1ProtocolException} for it.)
 *
 * @param method the method named, for logs (possibly long or odd: the peer chose it)
 */
public record Sv1Invalid(Sv1Id id, String method, Sv1Error error) implements Sv1Message {
    public boolean isNotification() {
        return id.isNull();
    }
}
