package org.hadirector.healthcheck;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** A failed check's cause as one short phrase for logs and status, without stack traces or addresses repeated. */
final class Failures {

    private Failures() {}

    static String describe(Throwable t, long timeoutNanos) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        long ms = timeoutNanos / 1_000_000;
        if (t instanceof ConnectTimeoutException) {
            return "connect timeout after " + ms + " ms";
        }
        if (t instanceof TimeoutException
                || t instanceof ReadTimeoutException
                || t.getClass().getSimpleName().contains("Timeout")) {
            return "no complete answer within " + ms + " ms";
        }
        if (t instanceof CancellationException) {
            return "cancelled";
        }
        if (t instanceof ClosedChannelException) {
            return "connection closed";
        }
        String m = t.getMessage();
        if (m != null) {
            // netty's native transport says "finishConnect(..) failed: Connection refused: host/ip:port"
            // (4.1) or "finishConnect(..) failed with error(-111): Connection refused" (4.2)
            m = m.replaceFirst("^\\w+\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ", "");
            int cut = m.lastIndexOf(": ");
            if (cut > 0 && m.indexOf('/', cut) > 0) {
                m = m.substring(0, cut);
            }
        }
        if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
            return "connect: " + (m != null ? m : t.getClass().getSimpleName());
        }
        return m != null && !m.isBlank() ? m : t.getClass().getSimpleName();
    }
}
