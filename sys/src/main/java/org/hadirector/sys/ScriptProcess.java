package org.hadirector.sys;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;

/**
 * An operator script started as keepalived starts one, which the JDK's Process cannot do: in a
 * process group of its own (so that a timeout kills it and everything it started, as keepalived's
 * kill(-pgid, SIGKILL)), with the environment given and nothing else, with every signal at its
 * default and none blocked (a daemon started under nohup must not hand SIG_IGN on), stdin, stdout
 * and stderr on /dev/null and no other descriptor of ours; and its wait status kept whole, so
 * that a death by a signal is told from an exit (the JDK reports both as 128 + n).
 *
 * <p>posix_spawn(3) starts it; one small daemon thread per running script waits for it
 * (waitpid(2)), as the JDK's own process reaper does.
 */
public final class ScriptProcess {
    /**
     * How it ended: {@code signal} non-zero for a death by that signal, else {@code code} is the
     * exit status; -1 when its end could not be read (a failure, never a misc_dynamic weight).
     */
    public record Exit(int code, int signal) {
        public boolean signalled() {
            return signal != 0;
        }

        public boolean success() {
            return signal == 0 && code == 0;
        }

        @Override
        public String toString() {
            return signal != 0
                    ? "killed by signal " + signal
                    : code < 0 ? "end unknown (waitpid failed)" : "exit status " + code;
        }
    }

    public interface Posix {
        @SaveError
        int posix_spawn(
                @Out IntByReference pid,
                String path,
                Pointer fileActions,
                Pointer attributes,
                String[] argv,
                String[] envp);

        @SaveError
        int posix_spawnp(
                @Out IntByReference pid,
                String file,
                Pointer fileActions,
                Pointer attributes,
                String[] argv,
                String[] envp);

        int posix_spawn_file_actions_init(Pointer fileActions);

        int posix_spawn_file_actions_destroy(Pointer fileActions);

        int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, String path, int flags, int mode);

        int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

        int posix_spawnattr_init(Pointer attributes);

        int posix_spawnattr_destroy(Pointer attributes);

        int posix_spawnattr_setflags(Pointer attributes, short flags);

        int posix_spawnattr_setpgroup(Pointer attributes, int pgroup);

        int posix_spawnattr_setsigmask(Pointer attributes, Pointer set);

        int posix_spawnattr_setsigdefault(Pointer attributes, Pointer set);

        int sigemptyset(Pointer set);

        int sigfillset(Pointer set);

        @SaveError
        int waitpid(int pid, @Out int[] status, int options);

        @SaveError
        int kill(int pid, int signal);

        String strerror(int errno);
    }

    private static final Posix P = LibraryLoader.create(Posix.class).load("c");
    private static final Runtime RT = Runtime.getRuntime(P);
    private static final short POSIX_SPAWN_SETPGROUP = 0x02;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int EINTR = 4;
    private static final int ESRCH = 3;
    public static final int SIGKILL = 9;
    /** Larger than glibc's posix_spawnattr_t (336 bytes), file actions (80) and sigset_t (128). */
    private static final int OPAQUE = 1024;

    private static final ExecutorService REAPER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(null, r, "script-reaper", 256 * 1024);
        t.setDaemon(true);
        return t;
    });

    private final int pid;
    private final CompletableFuture<Exit> exit = new CompletableFuture<>();
    private final AtomicBoolean reaped = new AtomicBoolean();

    private ScriptProcess(int pid) {
        this.pid = pid;
    }

    /**
     * Starts {@code argv} (a bare name is looked up in this process's PATH, as execvp does) with
     * exactly {@code env}. Throws when it cannot be started (not found, not executable).
     */
    public static ScriptProcess start(List<String> argv, Map<String, String> env) throws IOException {
        if (argv.isEmpty()) {
            throw new IOException("empty command");
        }
        Pointer actions = Memory.allocateDirect(RT, OPAQUE);
        Pointer attributes = Memory.allocateDirect(RT, OPAQUE);
        Pointer empty = Memory.allocateDirect(RT, OPAQUE);
        Pointer all = Memory.allocateDirect(RT, OPAQUE);
        P.posix_spawn_file_actions_init(actions);
        P.posix_spawnattr_init(attributes);
        try {
            P.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0);
            P.posix_spawn_file_actions_addopen(actions, 1, "/dev/null", O_WRONLY, 0);
            P.posix_spawn_file_actions_addopen(actions, 2, "/dev/null", O_WRONLY, 0);
            // Not every descriptor of a JVM is close-on-exec; the JDK closes them in the child too.
            try {
                P.posix_spawn_file_actions_addclosefrom_np(actions, 3);
            } catch (UnsatisfiedLinkError e) {
                // glibc before 2.34: the JVM's own descriptors are close-on-exec for the most part.
            }
            P.sigemptyset(empty);
            P.sigfillset(all);
            P.posix_spawnattr_setsigmask(attributes, empty);
            P.posix_spawnattr_setsigdefault(attributes, all);
            P.posix_spawnattr_setpgroup(attributes, 0);
            P.posix_spawnattr_setflags(
                    attributes, (short) (POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
            String[] args = argv.toArray(new String[0]);
            String[] envp = env.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue())
                    .toArray(String[]::new);
            IntByReference pid = new IntByReference();
            String file = argv.get(0);
            int rc = file.contains("/")
                    ? P.posix_spawn(pid, file, actions, attributes, args, envp)
                    : P.posix_spawnp(pid, file, actions, attributes, args, envp);
            if (rc != 0) {
                throw new IOException("cannot run " + file + ": " + P.strerror(rc));
            }
            ScriptProcess p = new ScriptProcess(pid.intValue());
            REAPER.execute(p::await);
            return p;
        } finally {
            P.posix_spawn_file_actions_destroy(actions);
            P.posix_spawnattr_destroy(attributes);
        }
    }

    private void await() {
        int[] status = new int[1];
        while (true) {
            int rc = P.waitpid(pid, status, 0);
            if (rc == pid) {
                break;
            }
            if (rc == -1 && RT.getLastError() == EINTR) {
                continue;
            }
            exit.complete(new Exit(-1, 0));
            reaped.set(true);
            return;
        }
        int s = status[0];
        int signal = s & 0x7f;
        // WIFEXITED: low 7 bits 0; WIFSIGNALED: low 7 bits a signal (0x7f is a stop, which waitpid without WUNTRACED
        // never reports).
        Exit e = signal == 0 ? new Exit((s >> 8) & 0xff, 0) : new Exit(0, signal);
        reaped.set(true);
        exit.complete(e);
    }

    public int pid() {
        return pid;
    }

    public boolean isAlive() {
        return !exit.isDone();
    }

    /** Completes when it ended, on the reaper's thread. */
    public CompletableFuture<Exit> onExit() {
        return exit;
    }

    /**
     * SIGKILL to its whole process group: the script and whatever it started that is still in the
     * group (keepalived's kill(-pgid, SIGKILL) at a timeout). Also its descendants that left the
     * group. Does nothing once the group is gone.
     */
    public void killGroup() {
        // The descendants are listed first (they are the script's children only while it lives),
        // the group killed next, so that the script never sees its children die and exits 0.
        List<ProcessHandle> descendants =
                ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of());
        if (P.kill(-pid, SIGKILL) != 0 && RT.getLastError() != ESRCH && !reaped.get()) {
            P.kill(pid, SIGKILL);
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
    }
}
