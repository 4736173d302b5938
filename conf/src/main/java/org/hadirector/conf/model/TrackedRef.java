package org.hadirector.conf.model;

/** A track_script / track_file / track_process entry: weight null means the tracked object's own. */
public record TrackedRef(String name, Integer weight, boolean reverse) {}
