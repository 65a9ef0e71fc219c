package org.templar.pool.job;

import java.util.Arrays;
import org.templar.share.DuplicateFilter;

/**
 * Duplicate detection for every job built on one piece of work. Two jobs whose work is identical
 * (same previous block, version, nbits, transactions, coinbase halves and extranonce size) accept the
 * same headers, so a share submitted under one job id and again under the other is the same share; a
 * per-job filter would credit it twice. Each such job keeps its own bounded {@link DuplicateFilter}
 * and they all join one scope: a share is new only if no filter of the scope holds its header hash.
 *
 * <p>A scope normally holds one filter: {@link TemplateSource} does not re-announce unchanged work.
 * It gains another only when a job's filter is full and fresh job ids are handed out for the same
 * work; the full filter stays in the scope (so its shares stay refused) until the work changes and
 * the scope is dropped with its jobs. Memory is therefore bounded by filters filled per piece of work.
 */
public final class DuplicateScope {
    /** What recording a share's header hash found. */
    public enum Seen {
        /** Not seen under any job of this work: recorded now. */
        FIRST,
        /** Already recorded under this job or another job of the same work. */
        DUPLICATE,
        /** Not seen, but this job's filter holds all it can: not recorded. */
        FULL
    }

    private DuplicateFilter[] filters = new DuplicateFilter[0];

    synchronized void join(DuplicateFilter filter) {
        filters = Arrays.copyOf(filters, filters.length + 1);
        filters[filters.length - 1] = filter;
    }

    /**
     * Records {@code hash} in {@code own} unless any job of this work has it. One lock around the
     * check and the insert, so the same share racing in under two job ids is credited once.
     * Allocation-free.
     */
    public synchronized Seen record(DuplicateFilter own, byte[] hash) {
        for (DuplicateFilter f : filters) {
            if (f != own && f.contains(hash)) {
                return Seen.DUPLICATE;
            }
        }
        if (own.firstSeen(hash)) {
            return Seen.FIRST;
        }
        return own.contains(hash) ? Seen.DUPLICATE : Seen.FULL;
    }

    /** Forgets {@code hash} in {@code own}, where {@link #record} put it (a share the ledger could not keep). */
    public synchronized boolean forget(DuplicateFilter own, byte[] hash) {
        return own.forget(hash);
    }

    /** True if any job of this work recorded {@code hash} (records nothing). */
    public synchronized boolean contains(byte[] hash) {
        for (DuplicateFilter f : filters) {
            if (f.contains(hash)) {
                return true;
            }
        }
        return false;
    }

    /** Number of per-job filters in the scope (1 unless fresh ids were issued for the same work). */
    public synchronized int filters() {
        return filters.length;
    }
}
