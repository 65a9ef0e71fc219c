package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChannelIdTest {
    @Test
    void readsAsTheLedgerAndTheLogsAlwaysShowedIt() {
        ChannelId sv1 = ChannelId.connection("sv1-12");
        ChannelId sv2 = ChannelId.channel("sv2-3", 1);
        assertEquals("sv1-12", sv1.toString());
        assertEquals("sv2-3/1", sv2.toString());
        assertEquals("sv2-3", sv2.connectionId());
        assertFalse(sv1.isChannelOfConnection());
        assertTrue(sv2.isChannelOfConnection());
    }

    @Test
    void equalByConnectionAndChannel() {
        assertEquals(ChannelId.channel("sv2-3", 1), ChannelId.channel("sv2-3", 1));
        assertEquals(ChannelId.channel("sv2-3", 1).hashCode(), ChannelId.channel("sv2-3", 1).hashCode());
        assertNotEquals(ChannelId.channel("sv2-3", 1), ChannelId.channel("sv2-3", 2));
        assertNotEquals(ChannelId.channel("sv2-3", 1), ChannelId.channel("sv2-4", 1));
        assertNotEquals(ChannelId.connection("sv2-3"), ChannelId.channel("sv2-3", 0));
    }

    @Test
    void roundTripsThroughItsText() {
        for (ChannelId id : new ChannelId[] {ChannelId.connection("sv1-1"), ChannelId.channel("sv2-9", 0),
                ChannelId.channel("proxy-2", 0xffffffffL)}) {
            assertEquals(id, ChannelId.parse(id.toString()));
        }
    }

    @Test
    void malformedIdsAreRefusedWithTheTextInTheMessage() {
        for (String text : new String[] {"", "sv2-3/", "sv2-3/x", "sv2-3/-1", "sv2-3/4294967296", "/1", "a b",
                "sv2-3/1/2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChannelId.parse(text));
            assertTrue(e.getMessage().contains("\"") || e.getMessage().contains("u32"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ChannelId.channel("sv2-3", -1));
        assertThrows(IllegalArgumentException.class, () -> ChannelId.connection("sv2-3/1"));
    }
}
