package org.hadirector.director.bird;

import java.io.IOException;

/**
 * BIRD answered with an error (8xxx: the command failed, 9xxx: BIRD could not parse it), or the
 * control connection failed, timed out, or carried a reply we refuse (malformed, too long);
 * {@link #code()} is BIRD's code, or -1 when the fault is not BIRD's answer.
 */
public final class BirdException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int code;

    public BirdException(int code, String message) {
        super(message);
        this.code = code;
    }

    public BirdException(String message, Throwable cause) {
        super(message, cause);
        this.code = -1;
    }

    public int code() {
        return code;
    }
}
