package org.hadirector.conf.model;

/** A track_interface entry; weight 0 means FAULT when the interface is down. */
public record TrackedInterface(String name, int weight, boolean reverse) {}
