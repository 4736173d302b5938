package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * smtp_alert mail received by a real MTA, Debian's OpenSMTPD, in its own namespace (198.18.0.25,
 * delivering every recipient, through a catch-all virtual table, to one maildir): a VRRP failover (the backup's "Entering MASTER
 * state" after the master stops), and a real server's and its virtual server's DOWN and UP when
 * a real nginx stops and starts. The headers are checked as the MTA stored them, with the
 * envelope it recorded (Return-Path from MAIL FROM, Delivered-To from RCPT TO).
 */
class SmtpAlertLabTest {
    private static final String MX = "198.18.0.25";

    /** OpenSMTPD in the foreground in {@code host}, every mail to DIR/maildir; stopped with its children. */
    private static Process smtpd(Lab lab, String host) throws Exception {
        // OpenSMTPD delivers to no maildir as root: as nobody, who must reach and write it
        Path maildir = lab.dir.resolve("maildir");
        Files.createDirectories(maildir);
        Files.setPosixFilePermissions(lab.dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(maildir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path conf = lab.write("smtpd.conf", """
                table vusers { "@" = "nobody" }
                listen on %s port 25 hostname mx.lab.test
                action "box" maildir "%s" virtual <vusers>
                match from any for any action "box"
                """.formatted(MX, maildir));
        Process p = new ProcessBuilder("ip", "netns", "exec", lab.ns(host), "smtpd", "-d", "-f", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(lab.dir.resolve("smtpd.log").toFile())
                .start();
        long up = Lab.waitFor(
                10_000,
                Lab.quietly(() -> Files.readString(lab.dir.resolve("smtpd.log")).contains("starting")
                        && Lab.run("ip", "netns", "exec", lab.ns(host), "ss", "-ltn")
                                .contains(MX + ":25")));
        if (up < 0) {
            stop(p);
            throw new IOException("smtpd did not start: " + Files.readString(lab.dir.resolve("smtpd.log")));
        }
        return p;
    }

    private static void stop(Process p) {
        List<ProcessHandle> children = p.toHandle().descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /** Every mail delivered so far, as stored (headers the MTA added first). */
    private static List<String> mails(Lab lab) {
        Path fresh = lab.dir.resolve("maildir/new");
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(fresh)) {
            return out;
        }
        try (Stream<Path> files = Files.list(fresh)) {
            for (Path f : files.sorted().toList()) {
                out.add(Files.readString(f));
            }
        } catch (IOException e) {
            // a file moved while listed: the next poll sees it
        }
        return out;
    }

    private static String mailWith(Lab lab, String subject) {
        return mails(lab).stream()
                .filter(m -> m.contains("\nSubject: " + subject + "\n"))
                .findFirst()
                .orElse(null);
    }

    /** The recipients (the MTA's Delivered-To) of the mails with {@code subject}. */
    private static java.util.Set<String> deliveredTo(Lab lab, String subject) {
        return mails(lab).stream()
                .filter(m -> m.contains("\nSubject: " + subject + "\n"))
                .flatMap(String::lines)
                .filter(l -> l.startsWith("Delivered-To: "))
                .map(l -> l.substring("Delivered-To: ".length()))
                .collect(java.util.stream.Collectors.toSet());
    }

    private static String waitForMail(Lab lab, String subject) throws Exception {
        Lab.waitFor(20_000, () -> mailWith(lab, subject) != null);
        return mailWith(lab, subject);
    }

    private static String global(String routerId) {
        return """
                global_defs {
                    router_id %s
                    notification_email {
                        ops@lab.test
                        oncall@lab.test
                    }
                    notification_email_from hd-%s@lab.test
                    smtp_server %s 25
                    smtp_helo_name %s.lab.test
                    smtp_connect_timeout 5
                    smtp_alert
                }
                """.formatted(routerId, routerId, MX, routerId);
    }

    private static Process start(Lab lab, String host, String name, String mode, String conf, int metricsPort)
            throws Exception {
        return lab.director(
                host,
                mode,
                "-l",
                "-f",
                lab.write(name + ".conf", conf).toString(),
                "--pid-file",
                lab.dir.resolve(name + ".pid").toString(),
                "--control",
                lab.dir.resolve(name + ".sock").toString(),
                "--metrics",
                "127.0.0.1:" + metricsPort);
    }

    private static String metrics(Lab lab, String host, int port) throws Exception {
        return Lab.run("ip", "netns", "exec", lab.ns(host), "curl", "-sf", "http://127.0.0.1:" + port + "/metrics");
    }

    private static String vrrp(String state, int priority) {
        return """
                vrrp_instance VI_1 {
                    state %s
                    interface e0
                    virtual_router_id 51
                    priority %d
                    advert_int 1
                    virtual_ipaddress {
                        198.18.0.100/32
                    }
                }
                """.formatted(state, priority);
    }

    @Test
    void theBackupMailsEnteringMasterWhenTheMasterStops() throws Exception {
        try (Lab lab = Lab.create("m", "director1=198.18.0.11", "director2=198.18.0.12", "mx=" + MX)) {
            Process mta = smtpd(lab, "mx");
            try {
                Process d1 = start(lab, "director1", "d1", "-P", global("lb1") + vrrp("MASTER", 150), 9101);
                start(lab, "director2", "d2", "-P", global("lb2") + vrrp("BACKUP", 100), 9102);
                String master1 = waitForMail(lab, "[lb1] VRRP Instance VI_1 - Entering MASTER state");
                assertTrue(master1 != null, mails(lab) + "\n" + lab.log("director1"));
                assertTrue(
                        waitForMail(lab, "[lb2] VRRP Instance VI_1 - Entering BACKUP state") != null,
                        mails(lab) + "\n" + lab.log("director2"));

                long pid = Long.parseLong(
                        Files.readString(lab.dir.resolve("d1.pid")).strip());
                Lab.run("kill", "-TERM", Long.toString(pid));
                assertTrue(d1.waitFor(15, TimeUnit.SECONDS), lab.log("director1"));
                String taken = waitForMail(lab, "[lb2] VRRP Instance VI_1 - Entering MASTER state");
                assertTrue(taken != null, mails(lab) + "\n" + lab.log("director2"));
                // the master's own stop mail went out before it exited
                assertTrue(
                        waitForMail(lab, "[lb1] VRRP Instance VI_1 - Stopping") != null,
                        mails(lab) + "\n" + lab.log("director1"));

                // keepalived's headers, and the envelope the MTA recorded
                List<String> lines = taken.lines().toList();
                assertTrue(lines.contains("Return-Path: <hd-lb2@lab.test>"), taken);
                assertTrue(
                        lines.contains("Delivered-To: ops@lab.test") || lines.contains("Delivered-To: oncall@lab.test"),
                        taken);
                assertTrue(lines.contains("From: hd-lb2@lab.test"), taken);
                assertTrue(lines.contains("To: ops@lab.test, oncall@lab.test"), taken);
                assertTrue(lines.contains("X-Mailer: Keepalived (hadirector)"), taken);
                assertTrue(
                        lines.stream()
                                .anyMatch(
                                        l -> l.matches(
                                                "Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d\\d [A-Z][a-z][a-z] \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}")),
                        taken);
                assertTrue(taken.contains("from lb2.lab.test"), "HELO name in the Received header: " + taken);
                assertTrue(lines.contains("=> VRRP Instance is now owning VRRP VIPs <="), taken);
                // each recipient got each mail (director2, if its timer ran out before director1's
                // first advert, was master a moment at start too, and mailed BACKUP and MASTER more)
                java.util.Set<String> both = java.util.Set.of("ops@lab.test", "oncall@lab.test");
                String subject = "[lb2] VRRP Instance VI_1 - Entering MASTER state";
                Lab.waitFor(5_000, () -> deliveredTo(lab, subject).equals(both));
                assertEquals(both, deliveredTo(lab, subject), "one RCPT TO each address");
                String m2 = metrics(lab, "director2", 9102);
                java.util.regex.Matcher sent = java.util.regex.Pattern.compile(
                                "hadirector_smtp_alerts_total\\{result=\"sent\"\\} (\\d+)\n")
                        .matcher(m2);
                assertTrue(sent.find() && Integer.parseInt(sent.group(1)) >= 2, m2);
                assertTrue(m2.contains("hadirector_smtp_alerts_total{result=\"failed\"} 0"), m2);
            } finally {
                stop(mta);
            }
        }
    }

    @Test
    void aRealServerDownAndItsQuorumAreMailedAndUpAgain() throws Exception {
        try (Lab lab = Lab.create("q", "director1=198.18.0.11", "rs1=198.18.0.21", "rs2=198.18.0.22", "mx=" + MX)) {
            Process mta = smtpd(lab, "mx");
            try {
                lab.nginx("rs1");
                Process rs2 = lab.nginx("rs2");
                Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0.100/32", "dev", "e0");
                String conf = global("lb1") + """
                        virtual_server 198.18.0.100 80 {
                            delay_loop 0.5
                            lvs_sched rr
                            lvs_method DR
                            protocol TCP
                            quorum 2
                            real_server 198.18.0.21 80 {
                                TCP_CHECK {
                                    connect_timeout 1
                                    retry 0
                                }
                            }
                            real_server 198.18.0.22 80 {
                                HTTP_GET {
                                    url {
                                        path /health
                                    }
                                    connect_timeout 1
                                    retry 0
                                }
                            }
                        }
                        """;
                Path sock = lab.dir.resolve("d1.sock");
                start(lab, "director1", "d1", "-C", conf, 9103);
                assertTrue(
                        Lab.waitFor(
                                        15_000,
                                        Lab.quietly(() -> HealthCheckDaemonTest.status(sock)
                                                .contains("198.18.0.22:80  UP")))
                                >= 0,
                        lab.log("director1"));
                rs2.destroy();
                String rsDown = "[lb1] Realserver [198.18.0.22]:tcp:80 of virtual server [198.18.0.100]:tcp:80 - DOWN";
                String down = waitForMail(lab, rsDown);
                assertTrue(down != null, mails(lab) + "\n" + lab.log("director1"));
                assertTrue(down.lines().toList().contains("=> CHECK failed on service : HTTP request failed <="), down);
                String vsDown = waitForMail(lab, "[lb1] Virtualserver [198.18.0.100]:tcp:80 - DOWN");
                assertTrue(vsDown != null, mails(lab) + "\n" + lab.log("director1"));
                assertTrue(vsDown.lines().toList().contains("=> Lost quorum 2+0=2 <= 1 <="), vsDown);

                lab.nginx("rs2");
                String up = waitForMail(
                        lab, "[lb1] Realserver [198.18.0.22]:tcp:80 of virtual server [198.18.0.100]:tcp:80 - UP");
                assertTrue(up != null, mails(lab) + "\n" + lab.log("director1"));
                assertTrue(up.lines().toList().contains("=> CHECK succeed on service <="), up);
                String vsUp = waitForMail(lab, "[lb1] Virtualserver [198.18.0.100]:tcp:80 - UP");
                assertTrue(vsUp != null, mails(lab) + "\n" + lab.log("director1"));
                assertTrue(vsUp.lines().toList().contains("=> Gained quorum 2+0=2 <= 2 <="), vsUp);
                // nothing for rs1, which never changed; two recipients, four mails
                Lab.waitFor(2_000, () -> mails(lab).size() > 8);
                assertEquals(8, mails(lab).size(), mails(lab).toString());
                String m = metrics(lab, "director1", 9103);
                assertTrue(m.contains("hadirector_smtp_alerts_total{result=\"sent\"} 4"), m);
            } finally {
                stop(mta);
            }
        }
    }

    /**
     * The mail as the MTA stored it, less what the MTA added (Return-Path, Delivered-To,
     * Received, Message-Id) and less what differs by nature (the router_id, the Date's value), so
     * that keepalived's and ours compare.
     */
    private static String comparable(String mail, String routerId) {
        List<String> out = new ArrayList<>();
        boolean received = false;
        boolean headers = true;
        for (String l : mail.lines().toList()) {
            if (headers && l.isEmpty()) {
                headers = false;
            }
            if (headers) {
                if (received && (l.startsWith("\t") || l.startsWith(" "))) {
                    continue;
                }
                received = l.startsWith("Received:");
                if (received
                        || l.startsWith("Return-Path:")
                        || l.startsWith("Delivered-To:")
                        || l.startsWith("Message-Id:")
                        || l.startsWith("Message-ID:")) {
                    continue;
                }
                if (l.startsWith("Date: ")) {
                    l = "Date: D";
                }
            }
            out.add(l.replace("[" + routerId + "]", "[R]"));
        }
        return String.join("\n", out);
    }

    @Test
    void keepalivedsOwnMailAndOursAreTheSameButForXMailer() throws Exception {
        Lab.requireTools(Lab.KEEPALIVED);
        try (Lab lab = Lab.create("k", "director1=198.18.0.11", "director2=198.18.0.12", "mx=" + MX)) {
            Process mta = smtpd(lab, "mx");
            try {
                // the same mail settings (helo, from) for both; only the router_id differs
                String kaConf = global("ka").replace("hd-ka@", "alerts@").replace("ka.lab.test", "lb.lab.test")
                        + vrrp("MASTER", 150);
                String hdConf = global("hd").replace("hd-hd@", "alerts@").replace("hd.lab.test", "lb.lab.test")
                        + vrrp("BACKUP", 100);
                VrrpDaemon ka = lab.vrrpDaemon("keepalived", "director1", lab.write("keepalived.conf", kaConf));
                start(lab, "director2", "d2", "-P", hdConf, 9104);
                String theirs = waitForMail(lab, "[ka] VRRP Instance VI_1 - Entering MASTER state");
                assertTrue(theirs != null, mails(lab) + "\n" + lab.log("director1"));
                assertTrue(ka.stop(), ka.log());
                String ours = waitForMail(lab, "[hd] VRRP Instance VI_1 - Entering MASTER state");
                assertTrue(ours != null, mails(lab) + "\n" + lab.log("director2"));
                assertEquals(
                        comparable(theirs, "ka"),
                        comparable(ours, "hd").replace("X-Mailer: Keepalived (hadirector)", "X-Mailer: Keepalived"),
                        "keepalived's:\n" + theirs + "\nours:\n" + ours);
                // the same envelope and HELO too
                assertTrue(theirs.contains("Return-Path: <alerts@lab.test>")
                        && ours.contains("Return-Path: <alerts@lab.test>"));
                assertTrue(theirs.contains("from lb.lab.test") && ours.contains("from lb.lab.test"), theirs + ours);
            } finally {
                stop(mta);
            }
        }
    }
}
