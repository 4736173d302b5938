package org.hadirector.director;

import java.io.PrintStream;
import java.nio.file.Path;

/** Lets tests in other packages run the command line in-process. */
public final class MainAccess {
    public int run(PrintStream out, String... args) {
        return new Main(out, out, Path.of("/sys/class/net")).run(args);
    }
}
