package org.templar.pool.core;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.job.Job;
import org.templar.share.ExtranoncePrefix;
import org.templar.share.audit.ShareLog;

/**
 * Appends every accepted share, with its job, to a share log in {@link ShareLog}'s format, so that an
 * auditor can re-verify the pool's work later (`templar audit FILE`) from the submissions alone.
 *
 * <p>Off the hot path: lines go through a bounded queue to one writer thread. The audit log is not
 * the ledger: when the queue is full a line is dropped (counted and logged) rather than stall mining.
 */
public final class ShareLogWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ShareLogWriter.class);
    /** Key of the per-job "job line written" flag kept in {@link Job#encoding}. */
    private static final Object JOB_WRITTEN = new Object();

    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(65_536);
    private final BufferedWriter out;
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    public ShareLogWriter(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        this.writer = new Thread(this::drain, "share-log");
        this.writer.setDaemon(true);
        this.writer.start();
        log.info("recording accepted shares for audits in {}", file);
    }

    /**
     * Records one accepted share. Synchronized so that a job's line always precedes its first share
     * even when sessions on several event loops mine the same job.
     */
    public synchronized void record(Job job, ExtranoncePrefix extranonce1, byte[] extranonce2, int ntime, int nonce, int version,
            byte[] hashInternal) {
        AtomicBoolean written = job.encoding(JOB_WRITTEN, j -> new AtomicBoolean());
        if (!written.get()) {
            if (!queue.offer(ShareLog.formatJob(job.id().toString(), job.work()))) {
                drop();
                return; // without its job line the share could not be verified anyway
            }
            written.set(true);
        }
        if (!queue.offer(ShareLog.formatShare(job.id().toString(), extranonce1, extranonce2, ntime, nonce, version, hashInternal))) {
            drop();
        }
    }

    private void drop() {
        if (dropped.incrementAndGet() % 10_000 == 1) {
            log.warn("share log cannot keep up; {} line(s) dropped so far (mining is unaffected)", dropped.get());
        }
    }

    public long dropped() {
        return dropped.get();
    }

    private void drain() {
        List<String> batch = new ArrayList<>(1024);
        try {
            while (!closed || !queue.isEmpty()) {
                String first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1023);
                for (String line : batch) {
                    out.write(line);
                    out.write('\n');
                }
                out.flush();
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.error("share log write failed; no more shares are recorded for audits: {}", e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            writer.join(5000);
            out.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.warn("closing the share log: {}", e.toString());
        }
    }
}
