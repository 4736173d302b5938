package org.hadirector.ipvs;

import java.net.InetAddress;
import java.util.Objects;
import org.hadirector.sys.RealServerId;

/**
 * A real server of one virtual service. A weight of 0 keeps the server's connections and gives it
 * no new ones (quiescent); the thresholds are connection counts, 0 for none. {@code tunnel} is
 * the encapsulation of a TUNNEL destination (ipip when not given, as the kernel defaults it) and
 * null for the others, so that a changed tunnel setting is a changed destination.
 */
public record Destination(
        InetAddress address,
        int port,
        ForwardMethod method,
        int weight,
        int upperThreshold,
        int lowerThreshold,
        Tunnel tunnel) {

    public Destination {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(method, "method");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port);
        }
        if (weight < 0) {
            throw new IllegalArgumentException("weight " + weight);
        }
        if (upperThreshold < 0 || lowerThreshold < 0) {
            throw new IllegalArgumentException("thresholds " + upperThreshold + "/" + lowerThreshold);
        }
        if (method == ForwardMethod.TUNNEL && tunnel == null) {
            tunnel = Tunnel.DEFAULT;
        } else if (method != ForwardMethod.TUNNEL && tunnel != null) {
            throw new IllegalArgumentException("tunnel settings for a " + method.ipvsadmName() + " destination");
        }
    }

    public Destination(
            InetAddress address, int port, ForwardMethod method, int weight, int upperThreshold, int lowerThreshold) {
        this(address, port, method, weight, upperThreshold, lowerThreshold, null);
    }

    public static Destination route(InetAddress address, int port, int weight) {
        return new Destination(address, port, ForwardMethod.ROUTE, weight, 0, 0);
    }

    public Endpoint endpoint() {
        return new Endpoint(address, port);
    }

    /** The real server's identity in the checks, the status and the metrics. */
    public RealServerId id() {
        return new RealServerId(address, port);
    }

    public Destination withWeight(int w) {
        return new Destination(address, port, method, w, upperThreshold, lowerThreshold, tunnel);
    }
}
