package org.templar.payout;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Semaphore;

/**
 * The process {@link LedgerKillTest} kills: records shares from two threads (and now and then a block)
 * and prints a line for each one only after the ledger acknowledged it durable. Stops by itself after
 * 60 s, so a test that died cannot leave it running.
 */
public final class LedgerKillChild {
    private LedgerKillChild() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long deadline = System.nanoTime() + 60_000_000_000L;
        PrintStream out = System.out;
        Ledger ledger = Ledger.open(LedgerConfig.embedded(dir));
        println(out, "READY");
        Thread[] threads = new Thread[2];
        for (int t = 0; t < threads.length; t++) {
            String worker = "killtest.rig" + t;
            threads[t] = new Thread(() -> {
                Semaphore inFlight = new Semaphore(1_000); // keep the queue from overflowing
                for (long i = 0; i < 10_000_000 && System.nanoTime() < deadline; i++) {
                    if (i % 500 == 499) {
                        String blockHash = TestShares.hash(worker + "-block", i);
                        ledger.recordBlockCandidate(BlockRecord.candidate(i, blockHash, worker, 50, "addr", Instant.now()));
                        println(out, "BLOCK " + blockHash);
                    }
                    ShareRecord share = ShareRecord.of(worker, "job", "conn", 1, 1, TestShares.hash(worker, i),
                            false, ShareRecord.POOL, Instant.now());
                    inFlight.acquireUninterruptibly();
                    ledger.recordShare(share).whenComplete((ok, failure) -> {
                        inFlight.release();
                        if (failure == null) {
                            println(out, "SHARE " + share.shareHash());
                        }
                    });
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        ledger.close();
    }

    private static void println(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
