package org.templar.pool.sv2.transport;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.channel.embedded.EmbeddedChannel;

/** The miner's side of the handshake: the fuzzer is a pool answering act 1 with anything. */
class NoiseClientFuzzTest extends NoiseHandlerFuzzing {

    @FuzzTest(maxDuration = "10s")
    void anyBytesToTheClient(FuzzedDataProvider data) {
        feed(new EmbeddedChannel(NoiseHandler.client(AUTHORITY.publicKey(), NoiseTransportConfig.defaults())), data);
    }
}
