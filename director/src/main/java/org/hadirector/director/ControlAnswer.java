package org.hadirector.director;

/**
 * What the control socket sends for a request: one text, or a text as long as the table it
 * lists, streamed a piece at a time (each piece made once the one before is written, so that the
 * daemon holds one piece of it, and a client that stops reading stops the making).
 */
sealed interface ControlAnswer {

    static ControlAnswer text(String text) {
        return new Text(text);
    }

    /** The whole answer in one text. */
    record Text(String text) implements ControlAnswer {}

    /** An answer made and sent piece by piece, on a worker (see {@link OneRequestConnection}). */
    non-sealed interface Streamed extends ControlAnswer, AutoCloseable {

        /** The next piece of text, or null after the last. */
        String next() throws Exception;

        /** Frees what the answer holds; called once, whether it was read to the end or not. */
        @Override
        void close();
    }
}
