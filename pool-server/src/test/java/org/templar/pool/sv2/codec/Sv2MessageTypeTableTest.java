package org.templar.pool.sv2.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The type table is the one registration of a message: every message record of the codec has exactly
 * one entry, and the entry's decoder gives back that record.
 */
class Sv2MessageTypeTableTest {
    private static final List<Class<?>> HOLDERS = List.of(Sv2Common.class, Sv2Mining.class, Sv2JobDeclaration.class,
            Sv2TemplateDistribution.class, Sv2ExtensionsNegotiation.class, Sv2NonCustodialPayouts.class);

    @SuppressWarnings("unchecked")
    @Test
    void everyMessageRecordHasExactlyOneEntry() {
        List<Class<? extends Sv2SpecMessage>> records = new ArrayList<>();
        for (Class<?> holder : HOLDERS) {
            for (Class<?> nested : holder.getDeclaredClasses()) {
                if (Sv2SpecMessage.class.isAssignableFrom(nested) && nested.isRecord()) {
                    records.add((Class<? extends Sv2SpecMessage>) nested);
                }
            }
        }
        Set<Sv2MessageType> named = new HashSet<>();
        for (Class<? extends Sv2SpecMessage> r : records) {
            Sv2MessageType t = Sv2MessageType.of(r);
            assertSame(r, t.record());
            assertEquals(r.getSimpleName(), t.messageName());
            named.add(t);
        }
        assertEquals(Sv2MessageType.values().length, records.size(), "one record per entry");
        assertEquals(Set.of(Sv2MessageType.values()), named);
    }

    @Test
    void eachEntryDecodesItsOwnRecord() {
        for (Sv2SpecMessage m : Sv2Samples.typical()) {
            Sv2Message back = Sv2MessageCodec.decode(Sv2MessageCodec.encode(m));
            assertSame(m.type().record(), back.getClass(), m.type().name());
            assertEquals(m, back);
        }
    }
}
