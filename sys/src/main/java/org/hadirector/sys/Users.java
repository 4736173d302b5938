package org.hadirector.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * Users and groups as the C library knows them (NSS: /etc/passwd, LDAP, ...), for checking at
 * load time that a script's user exists, as keepalived does when it reads the file.
 */
public final class Users {
    /** getpwnam(3) / getgrnam(3): pointers to static structs, hence the lock. */
    public interface Pw {
        Pointer getpwnam(String name);

        Pointer getgrnam(String name);
    }

    private static final Pw PW = LibraryLoader.create(Pw.class).load("c");
    /** struct passwd on x86_64: pw_name, pw_passwd (8 bytes each), then pw_uid, pw_gid (4 bytes each). */
    private static final int PW_UID = 16;

    private static final int PW_GID = 20;
    /** struct group: gr_name, gr_passwd, then gr_gid. */
    private static final int GR_GID = 16;

    /** A user's ids; {@code gid} is the primary group's. */
    public record User(String name, int uid, int gid) {}

    private Users() {}

    /** The user called {@code name} (or with that numeric uid, as setpriv takes it), or null. */
    public static synchronized User user(String name) {
        Pointer p = PW.getpwnam(name);
        if (p == null) {
            return null;
        }
        return new User(name, p.getInt(PW_UID), p.getInt(PW_GID));
    }

    /** The gid of group {@code name}, or null when there is no such group. */
    public static synchronized Integer group(String name) {
        Pointer p = PW.getgrnam(name);
        return p == null ? null : p.getInt(GR_GID);
    }

    /** Why {@code user} / {@code group} cannot run a script, or null when they can. */
    public static String problem(String user, String group) {
        if (user != null && user(user) == null) {
            return "user '" + user + "' does not exist";
        }
        if (group != null && group(group) == null) {
            return "group '" + group + "' does not exist";
        }
        return null;
    }
}
