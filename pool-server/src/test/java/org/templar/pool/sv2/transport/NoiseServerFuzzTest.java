package org.templar.pool.sv2.transport;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/** The pool's side of the handshake: the fuzzer is a client sending act 1 and then anything. */
class NoiseServerFuzzTest extends NoiseHandlerFuzzing {

    @FuzzTest(maxDuration = "10s")
    void anyBytesToTheServer(FuzzedDataProvider data) throws Exception {
        feed(NoiseHandler.server(IDENTITY, NoiseTransportConfig.defaults()), data);
    }
}
