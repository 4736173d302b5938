package org.hadirector.healthcheck;

/** One checker of a real server: what it does and when. */
public record CheckSpec(CheckSettings settings, CheckTiming timing) {}
