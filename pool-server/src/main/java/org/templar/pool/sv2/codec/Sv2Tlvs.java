package org.templar.pool.sv2.codec;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The TLV fields trailing a message's base fields.
 *
 * <p>Byte order: the spec types the TLV header as U16 | U8 and U16, which section 3.1 makes
 * little-endian, and the reference implementation (SRI) writes them little-endian; but the worked
 * examples in 03-Protocol-Overview.md 3.4.3 and extension 0x0002 print {@code 00 02 01 00 0A}, i.e.
 * big-endian. We write little-endian (the type definitions, and what deployed peers parse) and
 * accept either on input: the tail is parsed little-endian first and, only if that does not tile
 * the bytes exactly, big-endian. The order found is kept so re-encoding reproduces the peer's bytes.
 */
public record Sv2Tlvs(List<Sv2Tlv> fields, ByteOrder byteOrder) {
    public enum ByteOrder { LITTLE_ENDIAN, BIG_ENDIAN }

    public static final Sv2Tlvs NONE = new Sv2Tlvs(List.of(), ByteOrder.LITTLE_ENDIAN);

    public Sv2Tlvs {
        fields = List.copyOf(Sv2Check.notNull(fields, "TLV fields"));
        Sv2Check.notNull(byteOrder, "TLV byte order");
    }

    public static Sv2Tlvs of(Sv2Tlv... fields) {
        return new Sv2Tlvs(List.of(fields), ByteOrder.LITTLE_ENDIAN);
    }

    public boolean isEmpty() {
        return fields.isEmpty();
    }

    public Optional<Sv2Tlv> find(int extensionType, int fieldType) {
        return fields.stream().filter(f -> f.is(extensionType, fieldType)).findFirst();
    }

    public int encodedLength() {
        return fields.stream().mapToInt(Sv2Tlv::encodedLength).sum();
    }

    public void encode(Sv2Writer w) {
        ByteBuf out = w.buffer();
        for (Sv2Tlv f : fields) {
            if (byteOrder == ByteOrder.LITTLE_ENDIAN) {
                out.writeShortLE(f.extensionType());
                out.writeByte(f.fieldType());
                out.writeShortLE(f.value().length());
            } else {
                out.writeShort(f.extensionType());
                out.writeByte(f.fieldType());
                out.writeShort(f.value().length());
            }
            w.raw(f.value());
        }
    }

    /**
     * Consumes every remaining byte of {@code in} as TLV fields. Bytes that form a TLV list in
     * neither byte order are trailing garbage and refused.
     */
    public static Sv2Tlvs decodeRemaining(Sv2Reader in, String message) {
        if (!in.hasRemaining()) {
            return NONE;
        }
        byte[] tail = in.fixed(in.remaining(), message + " TLV tail").unsafeArray();
        List<Sv2Tlv> le = tryParse(tail, true);
        if (le != null) {
            return new Sv2Tlvs(le, ByteOrder.LITTLE_ENDIAN);
        }
        List<Sv2Tlv> be = tryParse(tail, false);
        if (be != null) {
            return new Sv2Tlvs(be, ByteOrder.BIG_ENDIAN);
        }
        throw new Sv2CodecException("trailing garbage: " + tail.length + " bytes after the fields of " + message
                + " do not form a TLV list");
    }

    private static List<Sv2Tlv> tryParse(byte[] b, boolean littleEndian) {
        List<Sv2Tlv> out = new ArrayList<>();
        int i = 0;
        while (i < b.length) {
            if (b.length - i < Sv2Tlv.HEADER_SIZE) {
                return null;
            }
            int ext = u16(b, i, littleEndian);
            int field = b[i + 2] & 0xff;
            int len = u16(b, i + 3, littleEndian);
            i += Sv2Tlv.HEADER_SIZE;
            if (len > b.length - i) {
                return null;
            }
            byte[] v = new byte[len];
            System.arraycopy(b, i, v, 0, len);
            out.add(new Sv2Tlv(ext, field, Bytes.owned(v)));
            i += len;
        }
        return out;
    }

    private static int u16(byte[] b, int i, boolean littleEndian) {
        int lo = b[littleEndian ? i : i + 1] & 0xff;
        int hi = b[littleEndian ? i + 1 : i] & 0xff;
        return lo | (hi << 8);
    }
}
