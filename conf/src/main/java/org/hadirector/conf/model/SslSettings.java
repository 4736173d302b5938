package org.hadirector.conf.model;

/** The top-level SSL block used by SSL_GET; all null means a generated context. */
public record SslSettings(String password, String ca, String certificate, String key) {}
