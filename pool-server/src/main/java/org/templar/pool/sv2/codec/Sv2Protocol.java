package org.templar.pool.sv2.codec;

/**
 * The (sub)protocol a message belongs to. A connection negotiates one of MINING, JOB_DECLARATION or
 * TEMPLATE_DISTRIBUTION in SetupConnection; COMMON messages are valid on all of them and
 * EXTENSIONS_NEGOTIATION (extension 0x0001) right after SetupConnection.Success.
 */
public enum Sv2Protocol {
    COMMON(-1),
    MINING(0),
    JOB_DECLARATION(1),
    TEMPLATE_DISTRIBUTION(2),
    EXTENSIONS_NEGOTIATION(-1);

    private final int setupConnectionCode;

    Sv2Protocol(int setupConnectionCode) {
        this.setupConnectionCode = setupConnectionCode;
    }

    /** The value of SetupConnection.protocol naming this protocol, or -1 if it cannot be negotiated. */
    public int setupConnectionCode() {
        return setupConnectionCode;
    }
}
