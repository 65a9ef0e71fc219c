package org.templar.regtest;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data directory's block log: every stored block appended as a 4-byte big-endian length and its
 * bytes, forced to disk before submitblock answers. A restart replays the log through full
 * validation; a torn last record (crash mid-append) is dropped.
 */
final class BlockFile implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlockFile.class);
    static final String NAME = "blocks.dat";

    private final FileChannel channel;

    BlockFile(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        this.channel = FileChannel.open(dataDir.resolve(NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
    }

    /** Reads every complete record and cuts a torn or corrupt tail off so that later appends stay aligned. */
    static List<byte[]> readAll(Path dataDir) throws IOException {
        Path file = dataDir.resolve(NAME);
        List<byte[]> blocks = new ArrayList<>();
        long good = 0;
        if (!Files.exists(file)) {
            return blocks;
        }
        try (InputStream in = Files.newInputStream(file); DataInputStream data = new DataInputStream(in)) {
            while (true) {
                int len;
                try {
                    len = data.readInt();
                } catch (EOFException e) {
                    break;
                }
                if (len <= 0 || len > 64 * 1024 * 1024) {
                    log.warn("regtest: corrupt record in {}, ignoring the rest", file);
                    break;
                }
                byte[] b = new byte[len];
                try {
                    data.readFully(b);
                } catch (EOFException e) {
                    log.warn("regtest: torn last record in {} dropped", file);
                    break;
                }
                blocks.add(b);
                good += 4 + len;
            }
        }
        if (Files.size(file) > good) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(good);
            }
        }
        return blocks;
    }

    synchronized void append(byte[] block) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(4 + block.length);
            buf.putInt(block.length).put(block).flip();
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
