package org.hadirector.sys;

import jnr.ffi.LibraryLoader;

/**
 * A signal ignored when the process started (nohup ignores SIGHUP) stays ignored in a JVM: the
 * JVM refuses to install a handler over SIG_IGN. keepalived installs its handlers whatever it
 * inherited; this puts the default back so that the JVM's handler can be installed.
 */
public final class SignalDisposition {
    public interface Sig {
        long signal(int signum, long handler);
    }

    private static final Sig S = LibraryLoader.create(Sig.class).load("c");
    private static final long SIG_DFL = 0;

    private SignalDisposition() {}

    /** Sets {@code signum}'s disposition to SIG_DFL; true when it worked. */
    public static boolean reset(int signum) {
        return S.signal(signum, SIG_DFL) != -1;
    }
}
