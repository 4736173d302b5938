package org.hadirector.sys;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Little helpers for building C structs as bytes. */
final class Bytes {
    private Bytes() {}

    static ByteBuffer nativeBuffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    static byte[] nativeInt(int v) {
        return nativeBuffer(4).putInt(v).array();
    }
}
