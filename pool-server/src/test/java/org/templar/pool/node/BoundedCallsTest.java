package org.templar.pool.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BoundedCallsTest {
    @Test
    void neverMoreThanTheLimitInFlightAndEveryCallRunsInOrder() {
        BoundedCalls calls = new BoundedCalls(3);
        List<CompletableFuture<Integer>> started = new ArrayList<>();
        List<CompletableFuture<Integer>> results = new ArrayList<>();
        AtomicInteger maxRunning = new AtomicInteger();
        for (int i = 0; i < 10; i++) {
            results.add(calls.submit(() -> {
                CompletableFuture<Integer> f = new CompletableFuture<>();
                started.add(f);
                return f;
            }));
            maxRunning.accumulateAndGet(calls.running(), Math::max);
        }
        assertEquals(3, started.size(), "only three started");
        for (int k = 0; k < 10; k++) {
            started.get(k).complete(k); // each completion starts the next waiting call
            assertTrue(calls.running() <= 3);
        }
        assertEquals(10, started.size());
        for (int k = 0; k < 10; k++) {
            assertEquals(k, results.get(k).join());
        }
        assertEquals(0, calls.running());
        assertEquals(3, maxRunning.get());
    }

    @Test
    void callsThatFailAtOnceDoNotGrowTheStack() {
        BoundedCalls calls = new BoundedCalls(1);
        CompletableFuture<Void> first = new CompletableFuture<>();
        calls.submit(() -> first);
        List<CompletableFuture<Void>> rest = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            rest.add(calls.submit(() -> CompletableFuture.failedFuture(new RpcException(-1, "no"))));
        }
        first.complete(null);
        assertTrue(rest.stream().allMatch(CompletableFuture::isCompletedExceptionally));
        assertEquals(0, calls.running());
    }
}
