package org.hadirector.conf.model;

/** lvs_flush_on_stop: NONE (remove what we added one by one), ALL (flush everything), VS (remove our virtual servers only). */
public enum LvsFlushOnStop {
    NONE,
    ALL,
    VS
}
