package org.hadirector.conf.model;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * global_defs. Durations are exact; absent optional values are null (the smtp_alert flags too:
 * keepalived tells an unset flag from "off" when a block inherits it). {@code sloppyTcp}
 * is hadirector's own keyword, written {@code @hadirector sloppy_tcp} so that keepalived skips it.
 */
public record GlobalDefs(
        String routerId,
        List<String> notificationEmail,
        String notificationEmailFrom,
        String smtpServer,
        int smtpServerPort,
        String smtpHeloName,
        Duration smtpConnectTimeout,
        Boolean smtpAlert,
        Boolean smtpAlertVrrp,
        Boolean smtpAlertChecker,
        boolean noEmailFaults,
        boolean noCheckerEmails,
        boolean checkerLogAllFailures,
        String scriptUser,
        String scriptGroup,
        boolean enableScriptSecurity,
        int vrrpVersion,
        InetAddress vrrpMcastGroup4,
        InetAddress vrrpMcastGroup6,
        String defaultInterface,
        GarpSettings garp,
        Duration vrrpGarpInterval,
        Duration vrrpGnaInterval,
        boolean vrrpMinGarp,
        boolean vrrpStrict,
        boolean vrrpSkipCheckAdvAddr,
        boolean vrrpCheckUnicastSrc,
        boolean vrrpLowerPrioNoAdvert,
        boolean vrrpHigherPrioSendAdvert,
        Duration vrrpStartupDelay,
        int vrrpDownTimerAdverts,
        String vmacPrefix,
        LvsSyncDaemon lvsSyncDaemon,
        LvsTimeouts lvsTimeouts,
        boolean lvsFlush,
        LvsFlushOnStop lvsFlushOnStop,
        NotifyFifo notifyFifo,
        NotifyFifo vrrpNotifyFifo,
        NotifyFifo lvsNotifyFifo,
        int maxAutoPriority,
        boolean sloppyTcp,
        String announceInterface,
        String birdSocket,
        List<String> birdProtocols) {}
