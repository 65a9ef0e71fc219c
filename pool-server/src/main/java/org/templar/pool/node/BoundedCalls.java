package org.templar.pool.node;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * At most {@code limit} node calls of one kind in flight; the rest wait in order. Bitcoin Core serves
 * RPC from a small work queue ({@code -rpcworkqueue}, 16 by default in many versions) and answers HTTP
 * 503 beyond it, so work that needs one call per transaction or input (a declaration's
 * {@code getrawtransaction} and {@code gettxout} calls, the JDS's mempool view) must not send them all
 * at once, or it fails itself and every other caller of the node. Thread-safe.
 */
public final class BoundedCalls {
    private final int limit;
    private final Queue<Runnable> waiting = new ArrayDeque<>();
    private int running;

    public BoundedCalls(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
        this.limit = limit;
    }

    /** Starts {@code call} when fewer than the limit are running; completes as it does. */
    public <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable start = () -> {
            CompletableFuture<T> f;
            try {
                f = call.get();
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete((v, e) -> {
                done();
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(v);
                }
            });
        };
        boolean now;
        synchronized (this) {
            now = running < limit;
            if (now) {
                running++;
            } else {
                waiting.add(start);
            }
        }
        if (now) {
            start.run();
        }
        return result;
    }

    /**
     * Hands the freed slot to the next waiting call. Calls that complete at once (a failed future)
     * would otherwise start the next one from inside this method, one stack frame per waiting call;
     * a per-thread queue turns that recursion into a loop.
     */
    private void done() {
        Runnable next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                running--;
            }
        }
        if (next == null) {
            return;
        }
        ArrayDeque<Runnable> pending = TRAMPOLINE.get();
        pending.add(next);
        if (pending.size() > 1) {
            return; // an outer done() on this thread runs it
        }
        while (!pending.isEmpty()) {
            pending.peek().run();
            pending.poll();
        }
    }

    private static final ThreadLocal<ArrayDeque<Runnable>> TRAMPOLINE = ThreadLocal.withInitial(ArrayDeque::new);

    /** Calls running now (for tests and metrics). */
    public synchronized int running() {
        return running;
    }
}
