package org.hadirector.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/** Interface lookups in the calling thread's network namespace. */
public final class Interfaces {
    private Interfaces() {}

    /** if_nametoindex(3); throws when there is no such interface. */
    public static int index(String name) throws NativeException {
        int i = Native.C.if_nametoindex(name);
        if (i == 0) {
            throw new NativeException("if_nametoindex(" + name + ")", Native.errno());
        }
        return i;
    }

    /**
     * The interface's MAC address from sysfs. sysfs shows the namespace of whoever mounted it,
     * so callers inside another namespace must read it from there (tests use {@code ip}).
     */
    public static byte[] mac(Path sysClassNet, String name) throws IOException {
        String text =
                Files.readString(sysClassNet.resolve(name).resolve("address")).strip();
        return HexFormat.ofDelimiter(":").parseHex(text);
    }
}
