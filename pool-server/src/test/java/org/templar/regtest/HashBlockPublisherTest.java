package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.share.Hex;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/** Core's hashblock message format, received by a real jeromq subscriber. */
@Timeout(30)
class HashBlockPublisherTest {
    private static final String HASH_A = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";
    private static final String HASH_B = "3b7a9a0b5d1f4d2e8c6a4b2d0e1f3a5c7b9d1e3f5a7c9b1d3e5f7a9c1b3d5e7f";

    @Test
    void subscriberReceivesTopicHashAndIncreasingSequence() {
        try (HashBlockPublisher pub = HashBlockPublisher.bind("127.0.0.1", 0);
             ZContext ctx = new ZContext()) {
            assertTrue(pub.endpoint().startsWith("tcp://127.0.0.1:"), pub.endpoint());
            ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
            sub.setReceiveTimeOut(100);
            sub.connect(pub.endpoint());
            sub.subscribe("hashblock".getBytes(ZMQ.CHARSET));

            // PUB/SUB drops messages until the subscription has propagated ("slow joiner"): publish until one arrives.
            ZMsg first = null;
            int published = 0;
            for (int i = 0; i < 100 && first == null; i++) {
                pub.publish(HASH_A);
                published++;
                first = ZMsg.recvMsg(sub);
            }
            assertNotNull(first, "no hashblock message within the time limit");
            int seqA = frames(first, HASH_A);
            assertTrue(seqA >= 0 && seqA < published, "sequence counts from 0: " + seqA);
            drain(sub);

            pub.publish(HASH_B);
            ZMsg second = awaitMessage(sub);
            assertNotNull(second);
            assertEquals(published, frames(second, HASH_B), "one sequence number per published message");
        }
    }

    private static ZMsg awaitMessage(ZMQ.Socket sub) {
        for (int i = 0; i < 30; i++) {
            ZMsg m = ZMsg.recvMsg(sub);
            if (m != null) {
                return m;
            }
        }
        return null;
    }

    private static void drain(ZMQ.Socket sub) {
        sub.setReceiveTimeOut(50);
        while (ZMsg.recvMsg(sub) != null) {
            // earlier copies of HASH_A sent while the subscription was propagating
        }
    }

    /** Checks the three frames and returns the little-endian sequence number. */
    private static int frames(ZMsg msg, String hashHex) {
        assertEquals(3, msg.size());
        assertEquals("hashblock", new String(msg.pop().getData(), ZMQ.CHARSET));
        assertArrayEquals(Hex.decode(hashHex), msg.pop().getData());
        byte[] seq = msg.pop().getData();
        assertEquals(4, seq.length);
        return (seq[0] & 0xff) | (seq[1] & 0xff) << 8 | (seq[2] & 0xff) << 16 | (seq[3] & 0xff) << 24;
    }
}
