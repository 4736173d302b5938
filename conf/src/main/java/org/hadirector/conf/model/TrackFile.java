package org.hadirector.conf.model;

/** track_file NAME { file PATH weight W [reverse] init_file [V] [overwrite] }. */
public record TrackFile(
        String name, String file, int weight, boolean reverse, Integer initValue, boolean initOverwrite) {}
