package org.templar.pool.sv2.codec;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BiConsumer;

/**
 * Writes the SV2 data types, little-endian. Values are range-checked again here (records already
 * validate) so that no caller can put a silently truncated length prefix on the wire.
 */
public final class Sv2Writer {
    private final ByteBuf out;

    public Sv2Writer(ByteBuf out) {
        this.out = out;
    }

    public ByteBuf buffer() {
        return out;
    }

    public Sv2Writer bool(boolean v) {
        out.writeByte(v ? 1 : 0);
        return this;
    }

    public Sv2Writer u8(int v) {
        out.writeByte(Sv2Check.u8(v, "U8"));
        return this;
    }

    public Sv2Writer u16(int v) {
        out.writeShortLE(Sv2Check.u16(v, "U16"));
        return this;
    }

    public Sv2Writer u24(int v) {
        out.writeMediumLE(Sv2Check.u24(v, "U24"));
        return this;
    }

    public Sv2Writer u32(long v) {
        out.writeIntLE((int) Sv2Check.u32(v, "U32"));
        return this;
    }

    public Sv2Writer u64(long v) {
        out.writeLongLE(v);
        return this;
    }

    public Sv2Writer f32(float v) {
        out.writeIntLE(Float.floatToRawIntBits(v));
        return this;
    }

    public Sv2Writer u256(U256 v) {
        return raw(v.bytes());
    }

    public Sv2Writer pubkey(Bytes v) {
        return fixed(v, 32, "PUBKEY");
    }

    public Sv2Writer signature(Bytes v) {
        return fixed(v, 64, "SIGNATURE");
    }

    private Sv2Writer fixed(Bytes v, int size, String type) {
        if (v.length() != size) {
            throw new Sv2CodecException(type + " must be " + size + " bytes, got " + v.length());
        }
        return raw(v);
    }

    public Sv2Writer raw(Bytes v) {
        out.writeBytes(v.unsafeArray());
        return this;
    }

    public Sv2Writer str0_255(Str0255 v) {
        return b0_255(v.bytes());
    }

    public Sv2Writer b0_32(Bytes v) {
        Sv2Check.maxLength(v, 32, "B0_32");
        out.writeByte(v.length());
        return raw(v);
    }

    public Sv2Writer b0_255(Bytes v) {
        Sv2Check.maxLength(v, 255, "B0_255");
        out.writeByte(v.length());
        return raw(v);
    }

    public Sv2Writer b0_64k(Bytes v) {
        Sv2Check.maxLength(v, 0xffff, "B0_64K");
        out.writeShortLE(v.length());
        return raw(v);
    }

    public Sv2Writer b0_16m(Bytes v) {
        Sv2Check.maxLength(v, 0xffffff, "B0_16M");
        out.writeMediumLE(v.length());
        return raw(v);
    }

    public <T> Sv2Writer seq0_255(List<T> seq, BiConsumer<Sv2Writer, T> element) {
        Sv2Check.maxCount(seq, 255, "SEQ0_255");
        out.writeByte(seq.size());
        seq.forEach(e -> element.accept(this, e));
        return this;
    }

    public <T> Sv2Writer seq0_64k(List<T> seq, BiConsumer<Sv2Writer, T> element) {
        Sv2Check.maxCount(seq, 0xffff, "SEQ0_64K");
        out.writeShortLE(seq.size());
        seq.forEach(e -> element.accept(this, e));
        return this;
    }

    public <T> Sv2Writer option(Optional<T> value, BiConsumer<Sv2Writer, T> element) {
        out.writeByte(value.isPresent() ? 1 : 0);
        value.ifPresent(e -> element.accept(this, e));
        return this;
    }

    public Sv2Writer optionU32(OptionalLong value) {
        out.writeByte(value.isPresent() ? 1 : 0);
        if (value.isPresent()) {
            u32(value.getAsLong());
        }
        return this;
    }
}
