package org.hadirector.director;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;

import org.hadirector.vrrp.NotifyScripts;

/**
 * keepalived's enable_script_security: a script run as root must not be replaceable by anyone
 * else, so the file and every directory above it must be owned by root and writable by no
 * group or other. Also finds scripts that do not exist.
 */
final class ScriptSecurity {
    private ScriptSecurity() {
    }

    /** What is wrong with running {@code commandLine} as {@code user} (null: root). */
    static List<String> problems(String what, String commandLine, String user) {
        List<String> out = new ArrayList<>();
        List<String> words = org.hadirector.sys.Scripts.split(commandLine);
        if (words.isEmpty()) {
            out.add(what + ": empty command");
            return out;
        }
        Path exe = resolve(words.get(0));
        if (exe == null) {
            out.add(what + ": " + words.get(0) + " not found (give an absolute path, or put it on PATH)");
            return out;
        }
        if (user != null && !user.equals("root")) {
            return out;
        }
        for (Path p = exe; p != null; p = p.getParent()) {
            try {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                boolean writableByOthers = a.permissions().contains(PosixFilePermission.GROUP_WRITE)
                        || a.permissions().contains(PosixFilePermission.OTHERS_WRITE);
                boolean sticky = a.isDirectory() && isSticky(p);
                if (!a.owner().getName().equals("root") || (writableByOthers && !sticky)) {
                    out.add(what + ": " + exe + " runs as root but " + p + " is "
                            + (!a.owner().getName().equals("root") ? "owned by " + a.owner().getName() : "writable by group or others")
                            + "; fix its ownership and mode, or run the script as another user (script_user)");
                    break;
                }
            } catch (IOException e) {
                out.add(what + ": cannot check " + p + ": " + e.getMessage());
                break;
            }
        }
        return out;
    }

    private static boolean isSticky(Path dir) {
        try {
            Object mode = Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return mode instanceof Integer m && (m & 01000) != 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static Path resolve(String word) {
        if (word.contains("/")) {
            Path p = Path.of(word).toAbsolutePath();
            return Files.isExecutable(p) ? p : null;
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, word);
            if (Files.isExecutable(p)) {
                return p.toAbsolutePath();
            }
        }
        return null;
    }
}
