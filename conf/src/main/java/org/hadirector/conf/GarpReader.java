package org.hadirector.conf;

import org.hadirector.conf.model.GarpSettings;
import org.hadirector.conf.parse.Statement;

/** The GARP timing keywords, said the same way in global_defs (vrrp_ prefix) and in an instance. */
final class GarpReader {
    private GarpReader() {}

    /** Reads {@code kw} (without the vrrp_ prefix) into {@code garp}; false when it is not a GARP keyword. */
    static boolean read(Statement s, String kw, ValueReader v, RecordBuilder<GarpSettings> garp) {
        switch (kw) {
            case "garp_master_delay" -> garp.set("masterDelay", v.seconds(s, 0, 86400));
            case "garp_master_repeat" -> garp.set("masterRepeat", v.integer(s, 1, 1000));
            case "garp_lower_prio_delay" -> garp.set("lowerPrioDelay", v.seconds(s, 0, 86400));
            case "garp_lower_prio_repeat" -> garp.set("lowerPrioRepeat", v.integer(s, 0, 1000));
            case "garp_master_refresh" -> garp.set("masterRefresh", v.seconds(s, 0, 86400));
            case "garp_master_refresh_repeat" -> garp.set("masterRefreshRepeat", v.integer(s, 1, 1000));
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Fills what the file did not say from {@code inherited}. In global_defs the lower-priority
     * values default to the master ones; in an instance every value defaults to the global one.
     */
    static GarpSettings resolve(RecordBuilder<GarpSettings> garp, GarpSettings inherited, boolean lowerFollowsMaster) {
        garp.setDefault("masterDelay", inherited.masterDelay());
        garp.setDefault("masterRepeat", inherited.masterRepeat());
        garp.setDefault("lowerPrioDelay", lowerFollowsMaster ? garp.get("masterDelay") : inherited.lowerPrioDelay());
        garp.setDefault("lowerPrioRepeat", lowerFollowsMaster ? garp.get("masterRepeat") : inherited.lowerPrioRepeat());
        garp.setDefault("masterRefresh", inherited.masterRefresh());
        garp.setDefault("masterRefreshRepeat", inherited.masterRefreshRepeat());
        return garp.build();
    }
}
