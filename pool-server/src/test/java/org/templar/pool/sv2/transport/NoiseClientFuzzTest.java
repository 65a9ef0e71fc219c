package org.templar.pool.sv2.transport;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/** The miner's side of the handshake: the fuzzer is a pool answering act 1 with anything. */
class NoiseClientFuzzTest extends NoiseHandlerFuzzing {

    @FuzzTest(maxDuration = "10s")
    void anyBytesToTheClient(FuzzedDataProvider data) throws Exception {
        feed(NoiseHandler.client(AUTHORITY.publicKey(), NoiseTransportConfig.defaults()), data);
    }
}
