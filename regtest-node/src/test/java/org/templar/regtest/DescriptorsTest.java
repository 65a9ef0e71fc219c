package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DescriptorsTest {
    @Test
    void bip380TestVector() {
        // BIP380 "Test Vectors": raw(deadbeef)#89f8spxm
        assertEquals("raw(deadbeef)#89f8spxm", Descriptors.withChecksum("raw(deadbeef)"));
    }
}
