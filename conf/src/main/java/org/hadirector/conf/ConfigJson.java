package org.hadirector.conf;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hadirector.sys.Addresses;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;

/**
 * The model as JSON, for {@code --dump-config}: addresses as text, durations as seconds,
 * enums by name. Rendering is typesafe-config's, which the project already depends on.
 */
public final class ConfigJson {
    private ConfigJson() {}

    public static String render(Record model) {
        return ConfigValueFactory.fromAnyRef(plain(model))
                .render(ConfigRenderOptions.concise().setJson(true).setFormatted(true));
    }

    /** Records to maps, lists to lists, leaves to JSON-friendly values. */
    static Object plain(Object o) {
        if (o == null || o instanceof String || o instanceof Boolean || o instanceof Integer || o instanceof Long) {
            return o;
        }
        if (o instanceof InetAddress a) {
            return Addresses.format(a);
        }
        if (o instanceof ServiceId || o instanceof RealServerId) {
            return o.toString(); // the one name a service and a real server have, as in the logs and /metrics
        }
        if (o instanceof Duration d) {
            return new BigDecimal(d.toNanos()).movePointLeft(9).stripTrailingZeros();
        }
        if (o instanceof Enum<?> e) {
            return e.name();
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object x : l) {
                out.add(plain(x));
            }
            return out;
        }
        if (o instanceof Record r) {
            Map<String, Object> out = new LinkedHashMap<>();
            if (r instanceof org.hadirector.conf.model.Checker c) {
                out.put("type", c.type());
            }
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                try {
                    java.lang.reflect.Method get = c.getAccessor();
                    get.trySetAccessible(); // records need not be public
                    out.put(c.getName(), plain(get.invoke(r)));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            return out;
        }
        return o.toString();
    }
}
