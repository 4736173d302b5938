package org.hadirector.conf.model;

/** A health checker of a real server. Each kind is a record of its own. */
public sealed interface Checker
        permits HttpGetCheck, TcpCheck, MiscCheck, DnsCheck, SmtpCheck, UdpCheck, PingCheck, FileCheck, BfdCheck {

    /** The block keyword: HTTP_GET, SSL_GET, TCP_CHECK... */
    String type();
}
