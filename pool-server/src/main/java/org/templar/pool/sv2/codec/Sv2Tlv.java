package org.templar.pool.sv2.codec;

/**
 * One TLV field appended to a message by an extension (03-Protocol-Overview.md section 3.4.3):
 * Type = extension_type U16 + field_type U8, Length U16, Value.
 */
public record Sv2Tlv(int extensionType, int fieldType, Bytes value) {
    public static final int HEADER_SIZE = 5;

    public Sv2Tlv {
        Sv2Check.u16(extensionType, "TLV extension_type");
        Sv2Check.u8(fieldType, "TLV field_type");
        Sv2Check.maxLength(value, 0xffff, "TLV value");
    }

    public boolean is(int extension, int field) {
        return extensionType == extension && fieldType == field;
    }

    public int encodedLength() {
        return HEADER_SIZE + value.length();
    }
}
