package org.templar.pool.sv2.codec;

import java.util.List;

/** Range checks shared by the message records' constructors and the writer. */
final class Sv2Check {
    private Sv2Check() {
    }

    static int u8(int v, String field) {
        if (v < 0 || v > 0xff) {
            throw new Sv2CodecException(field + " out of U8 range: " + v);
        }
        return v;
    }

    static int u16(int v, String field) {
        if (v < 0 || v > 0xffff) {
            throw new Sv2CodecException(field + " out of U16 range: " + v);
        }
        return v;
    }

    static int u24(int v, String field) {
        if (v < 0 || v > 0xffffff) {
            throw new Sv2CodecException(field + " out of U24 range: " + v);
        }
        return v;
    }

    static long u32(long v, String field) {
        if (v < 0 || v > 0xffffffffL) {
            throw new Sv2CodecException(field + " out of U32 range: " + v);
        }
        return v;
    }

    static <T> T notNull(T v, String field) {
        if (v == null) {
            throw new Sv2CodecException(field + " must not be null");
        }
        return v;
    }

    static Bytes maxLength(Bytes v, int max, String field) {
        notNull(v, field);
        if (v.length() > max) {
            throw new Sv2CodecException(field + " is at most " + max + " bytes, got " + v.length());
        }
        return v;
    }

    static <T> List<T> maxCount(List<T> v, int max, String field) {
        notNull(v, field);
        if (v.size() > max) {
            throw new Sv2CodecException(field + " holds at most " + max + " elements, got " + v.size());
        }
        for (T e : v) {
            notNull(e, field + " element");
        }
        return v;
    }

    /** Immutable copy after validation, so records stay immutable whatever list the caller passed. */
    static <T> List<T> seq(List<T> v, int max, String field) {
        return List.copyOf(maxCount(v, max, field));
    }

    static List<Long> seqU32(List<Long> v, int max, String field) {
        for (Long e : maxCount(v, max, field)) {
            u32(e, field + " element");
        }
        return List.copyOf(v);
    }

    static List<Integer> seqU16(List<Integer> v, int max, String field) {
        for (Integer e : maxCount(v, max, field)) {
            u16(e, field + " element");
        }
        return List.copyOf(v);
    }
}
