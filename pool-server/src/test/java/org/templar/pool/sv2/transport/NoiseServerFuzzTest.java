package org.templar.pool.sv2.transport;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.channel.embedded.EmbeddedChannel;

/** The pool's side of the handshake: the fuzzer is a client sending act 1 and then anything. */
class NoiseServerFuzzTest extends NoiseHandlerFuzzing {

    @FuzzTest(maxDuration = "10s")
    void anyBytesToTheServer(FuzzedDataProvider data) {
        feed(new EmbeddedChannel(NoiseHandler.server(IDENTITY, NoiseTransportConfig.defaults())), data);
    }
}
