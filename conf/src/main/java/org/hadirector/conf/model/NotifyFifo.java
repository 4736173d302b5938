package org.hadirector.conf.model;

/** A FIFO that receives one line per state change, with an optional script that reads it. */
public record NotifyFifo(String path, String user, String group, NotifyScript script) {}
