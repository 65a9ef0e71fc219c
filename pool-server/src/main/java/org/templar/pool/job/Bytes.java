package org.templar.pool.job;

import java.io.ByteArrayOutputStream;

/** Bitcoin serialization helpers for the cold path (building coinbases and blocks). */
final class Bytes {
    private Bytes() {}

    static int varIntSize(long n) {
        return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffffL ? 5 : 9;
    }

    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

        Writer int32(int v) {
            for (int i = 0; i < 4; i++) {
                out.write(v >>> (8 * i));
            }
            return this;
        }

        Writer int64(long v) {
            for (int i = 0; i < 8; i++) {
                out.write((int) (v >>> (8 * i)));
            }
            return this;
        }

        Writer varInt(long n) {
            if (n < 0xfd) {
                out.write((int) n);
            } else if (n <= 0xffff) {
                out.write(0xfd);
                out.write((int) n);
                out.write((int) (n >>> 8));
            } else if (n <= 0xffffffffL) {
                out.write(0xfe);
                int32((int) n);
            } else {
                out.write(0xff);
                int64(n);
            }
            return this;
        }

        Writer u8(int v) {
            out.write(v);
            return this;
        }

        Writer bytes(byte[] b) {
            out.write(b, 0, b.length);
            return this;
        }

        int size() {
            return out.size();
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
