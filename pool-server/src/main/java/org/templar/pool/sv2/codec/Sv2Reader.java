package org.templar.pool.sv2.codec;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Reads the SV2 data types (03-Protocol-Overview.md section 3.1) from the readable bytes of a
 * buffer. Every read first checks the bytes remaining, and every length prefix is checked against
 * both the type's maximum and what is left, so malformed input yields a {@link Sv2CodecException}
 * naming the field and never an IndexOutOfBoundsException or an allocation sized by the peer.
 *
 * <p>Does not take ownership of the buffer (no release). Not thread-safe; one per decode.
 */
public final class Sv2Reader {
    private final ByteBuf in;

    public Sv2Reader(ByteBuf in) {
        this.in = in;
    }

    public int remaining() {
        return in.readableBytes();
    }

    public boolean hasRemaining() {
        return in.isReadable();
    }

    private void need(int n, String field) {
        if (in.readableBytes() < n) {
            throw new Sv2CodecException("truncated: field '" + field + "' needs " + n + " bytes, "
                    + in.readableBytes() + " left");
        }
    }

    /** BOOL: only the least significant bit carries meaning; senders may set the others (spec 3.1). */
    public boolean bool(String field) {
        need(1, field);
        return (in.readByte() & 1) != 0;
    }

    public int u8(String field) {
        need(1, field);
        return in.readUnsignedByte();
    }

    public int u16(String field) {
        need(2, field);
        return in.readUnsignedShortLE();
    }

    public int u24(String field) {
        need(3, field);
        return in.readUnsignedMediumLE();
    }

    public long u32(String field) {
        need(4, field);
        return in.readUnsignedIntLE();
    }

    /** U64 as a Java long holding the same 64 bits (use the Long.*Unsigned methods to compare). */
    public long u64(String field) {
        need(8, field);
        return in.readLongLE();
    }

    public float f32(String field) {
        need(4, field);
        return Float.intBitsToFloat(in.readIntLE());
    }

    public U256 u256(String field) {
        return new U256(fixed(U256.SIZE, field));
    }

    /** PUBKEY: 32-byte x-only secp256k1 key (BIP340). */
    public Bytes pubkey(String field) {
        return fixed(32, field);
    }

    /** SIGNATURE: 64-byte BIP340 Schnorr signature. */
    public Bytes signature(String field) {
        return fixed(64, field);
    }

    public Bytes fixed(int length, String field) {
        need(length, field);
        byte[] b = new byte[length];
        in.readBytes(b);
        return Bytes.owned(b);
    }

    public Str0255 str0_255(String field) {
        return new Str0255(bytesWithLength(u8(field + ".length"), 255, field));
    }

    public Bytes b0_32(String field) {
        return bytesWithLength(u8(field + ".length"), 32, field);
    }

    public Bytes b0_255(String field) {
        return bytesWithLength(u8(field + ".length"), 255, field);
    }

    public Bytes b0_64k(String field) {
        return bytesWithLength(u16(field + ".length"), 0xffff, field);
    }

    public Bytes b0_16m(String field) {
        return bytesWithLength(u24(field + ".length"), 0xffffff, field);
    }

    private Bytes bytesWithLength(int length, int max, String field) {
        if (length > max) {
            throw new Sv2CodecException("field '" + field + "' declares length " + length + ", type maximum is " + max);
        }
        return fixed(length, field);
    }

    public <T> List<T> seq0_255(String field, Function<Sv2Reader, T> element) {
        return seq(u8(field + ".count"), field, element);
    }

    public <T> List<T> seq0_64k(String field, Function<Sv2Reader, T> element) {
        return seq(u16(field + ".count"), field, element);
    }

    private <T> List<T> seq(int count, String field, Function<Sv2Reader, T> element) {
        // Every element takes at least one byte, so a count above the bytes left is certainly a lie:
        // refuse it before sizing a list from it.
        if (count > in.readableBytes()) {
            throw new Sv2CodecException("truncated: sequence '" + field + "' declares " + count
                    + " elements, only " + in.readableBytes() + " bytes left");
        }
        List<T> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(element.apply(this));
        }
        return Collections.unmodifiableList(out);
    }

    /** OPTION[T] = SEQ0_1[T]: a count of 0 or 1 followed by that many elements. */
    public <T> Optional<T> option(String field, Function<Sv2Reader, T> element) {
        int count = u8(field + ".count");
        if (count > 1) {
            throw new Sv2CodecException("field '" + field + "' is an OPTION, count must be 0 or 1, got " + count);
        }
        return count == 0 ? Optional.empty() : Optional.of(element.apply(this));
    }

    public OptionalLong optionU32(String field) {
        int count = u8(field + ".count");
        if (count > 1) {
            throw new Sv2CodecException("field '" + field + "' is an OPTION, count must be 0 or 1, got " + count);
        }
        return count == 0 ? OptionalLong.empty() : OptionalLong.of(u32(field));
    }

    /** Element readers usable with the sequence methods. */
    public static U256 u256(Sv2Reader r) {
        return r.u256("element");
    }

    public static Long u32(Sv2Reader r) {
        return r.u32("element");
    }

    public static Integer u16(Sv2Reader r) {
        return r.u16("element");
    }

    public static Bytes b0_16m(Sv2Reader r) {
        return r.b0_16m("element");
    }
}
