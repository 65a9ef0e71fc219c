package org.templar.pool.transport;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.templar.pool.core.PoolMetrics;

/**
 * The live connections of one Stratum listener. Sessions are confined to their event loops, so every
 * action on a session (a new template, a vardiff tick, an operator's command) is handed to that loop
 * rather than run on the caller's thread.
 *
 * @param <S> the protocol's session type
 */
public final class SessionRegistry<S> {
    private final String protocol;
    private final PoolMetrics metrics;
    private final Set<SessionHandle<S>> handles = ConcurrentHashMap.newKeySet();

    public SessionRegistry(String protocol, PoolMetrics metrics) {
        this.protocol = protocol;
        this.metrics = metrics;
    }

    public void opened(SessionHandle<S> handle) {
        handles.add(handle);
        metrics.connectionOpened(protocol);
    }

    public void closed(SessionHandle<S> handle) {
        if (handles.remove(handle)) {
            metrics.connectionClosed(protocol);
        }
    }

    /** Runs {@code action} on every session, each on its own event loop; returns how many were handed it. */
    public int forEach(Consumer<S> action) {
        int n = 0;
        for (SessionHandle<S> h : handles) {
            S s = h.session();
            if (s != null) {
                h.execute(() -> action.accept(s));
                n++;
            }
        }
        return n;
    }

    /** Like {@link #forEach}, timed and reported as one job broadcast (the new-block fan-out path). */
    public void broadcast(Consumer<S> action) {
        long start = System.nanoTime();
        int n = forEach(action);
        metrics.jobsBroadcast(protocol, n, System.nanoTime() - start);
    }

    public List<S> sessions() {
        return handles.stream().map(SessionHandle::session).filter(Objects::nonNull).toList();
    }

    /** The most any one open connection owes its peer, in bytes (what the outbound cap bounds). */
    public long largestPendingOutboundBytes() {
        long max = 0;
        for (SessionHandle<S> h : handles) {
            max = Math.max(max, h.pendingOutboundBytes());
        }
        return max;
    }

    public int size() {
        return handles.size();
    }

    /** Closes every connection from {@code address} (a ban); returns how many. */
    public int kickAddress(java.net.InetAddress address) {
        return kickRange(org.templar.pool.core.IpRange.of(address));
    }

    /** Closes every connection from inside {@code range} (a ban); returns how many. */
    public int kickRange(org.templar.pool.core.IpRange range) {
        int n = 0;
        for (SessionHandle<S> h : handles) {
            java.net.InetSocketAddress remote = h.remoteAddress();
            if (remote != null && range.contains(remote.getAddress())) {
                h.execute(() -> h.close("address banned"));
                n++;
            }
        }
        return n;
    }

    /** The peer address of the connection carrying {@code session}, or null if it is gone. */
    public java.net.InetSocketAddress addressOf(S session) {
        for (SessionHandle<S> h : handles) {
            if (h.session() == session) {
                return h.remoteAddress();
            }
        }
        return null;
    }

    /** Closes the connection carrying {@code session} (operator's kick); false if it is gone already. */
    public boolean kick(S session) {
        for (SessionHandle<S> h : handles) {
            if (h.session() == session) {
                h.execute(() -> h.close("kicked by the operator"));
                return true;
            }
        }
        return false;
    }
}
