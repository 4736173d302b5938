package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The sender over loopback: a scripted SMTP server takes mail, another never answers, a closed port refuses. */
class SmtpAlertSenderTest {

    private static SmtpAlertPlan.Server server(int port, long timeoutMillis) {
        return new SmtpAlertPlan.Server(
                "127.0.0.1", port, null, null, List.of("ops@example.test"), Duration.ofMillis(timeoutMillis), "lb1");
    }

    private static SmtpAlertSender.Mail mail(SmtpAlertPlan.Server s, String subject) {
        return new SmtpAlertSender.Mail(
                s, "lb1", "hd@example.test", subject, "Subject: " + subject + "\r\n\r\nx\r\n\r\n");
    }

    private static boolean waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            if (c.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** A minimal MTA: answers each command, records what it got, one connection after another. */
    static Thread mta(ServerSocket ss, List<String> got, int connections) {
        Thread t = new Thread(
                () -> {
                    for (int c = 0; c < connections; c++) {
                        try (Socket s = ss.accept()) {
                            s.setSoTimeout(5000);
                            BufferedReader in = new BufferedReader(
                                    new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                            OutputStream out = s.getOutputStream();
                            out.write("220-mx.test ESMTP\r\n220 ready\r\n".getBytes(StandardCharsets.ISO_8859_1));
                            boolean data = false;
                            String line;
                            while ((line = in.readLine()) != null) {
                                got.add(line);
                                String reply;
                                if (data) {
                                    if (!line.equals(".")) {
                                        continue;
                                    }
                                    data = false;
                                    reply = "250 queued";
                                } else if (line.equals("DATA")) {
                                    data = true;
                                    reply = "354 go";
                                } else if (line.equals("QUIT")) {
                                    out.write("221 bye\r\n".getBytes(StandardCharsets.ISO_8859_1));
                                    break;
                                } else {
                                    reply = "250 ok";
                                }
                                out.write((reply + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                            }
                        } catch (Exception e) {
                            got.add("error: " + e);
                        }
                    }
                },
                "test-mta");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void theCountsInMetricsAndNoFamilyWithoutMail() {
        assertEquals(
                "# HELP hadirector_smtp_alerts_total smtp_alert mails: sent (the SMTP server took it), failed, or "
                        + "dropped (too many waiting)\n"
                        + "# TYPE hadirector_smtp_alerts_total counter\n"
                        + "hadirector_smtp_alerts_total{result=\"sent\"} 3\n"
                        + "hadirector_smtp_alerts_total{result=\"failed\"} 1\n"
                        + "hadirector_smtp_alerts_total{result=\"dropped\"} 0\n",
                PrometheusText.smtpAlerts(new SmtpAlertSender.Counts(3, 1, 0)));
        assertEquals("", PrometheusText.smtpAlerts(null));
    }

    @Test
    void eachMailItsOwnConnectionAndTheServerTakesThem() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                SmtpAlertSender sender = new SmtpAlertSender()) {
            Thread t = mta(ss, got, 2);
            SmtpAlertPlan.Server s = server(ss.getLocalPort(), 2000);
            sender.send(mail(s, "one"));
            sender.send(mail(s, "two"));
            assertTrue(
                    waitFor(() -> sender.counts().sent() == 2), sender.counts().toString());
            t.join(5000);
            assertEquals(
                    List.of(
                            "HELO lb1",
                            "MAIL FROM:<hd@example.test>",
                            "RCPT TO:<ops@example.test>",
                            "DATA",
                            "Subject: one",
                            "",
                            "x",
                            "",
                            ".",
                            "QUIT"),
                    got.subList(0, 10));
            assertEquals("Subject: two", got.get(14));
            assertEquals(new SmtpAlertSender.Counts(2, 0, 0), sender.counts());
        }
    }

    @Test
    void anInstanceEventBecomesAMailWithKeepalivedsDefaultHeloAndFrom() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                SmtpAlerts alerts = new SmtpAlerts("lbhost", "hd")) {
            Thread t = mta(ss, got, 1);
            alerts.reload(DirectorPlan.compile(DirectorPlanTest.config("""
                                    global_defs {
                                        router_id lb1
                                        notification_email {
                                            ops@example.test
                                        }
                                        smtp_server 127.0.0.1 %d
                                        smtp_alert_vrrp
                                    }
                                    vrrp_instance VI_1 {
                                        interface e0
                                        virtual_router_id 1
                                        virtual_ipaddress {
                                            198.18.0.1
                                        }
                                    }
                                    """.formatted(ss.getLocalPort())), true, true)
                    .smtpAlerts());
            alerts.instance("VI_1", org.hadirector.vrrp.VrrpState.MASTER, 100);
            alerts.priorityChanged("VI_1", true, 90); // the FIFOs' alone: no mail
            assertTrue(
                    waitFor(() -> alerts.counts().sent() == 1), alerts.counts().toString());
            t.join(5000);
            assertEquals("HELO lbhost", got.get(0));
            assertEquals("MAIL FROM:<hd@lbhost>", got.get(1));
            assertTrue(got.contains("From: hd@lbhost"), got.toString());
            assertTrue(got.contains("Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state"), got.toString());
            assertTrue(got.contains("=> VRRP Instance is now owning VRRP VIPs <="), got.toString());
            assertEquals(new SmtpAlertSender.Counts(1, 0, 0), alerts.counts());
        }
    }

    @Test
    void aSilentServerTimesOutAndARefusedConnectionFailsBothCounted() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                SmtpAlertSender sender = new SmtpAlertSender()) {
            int closedPort;
            try (ServerSocket gone = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
                closedPort = gone.getLocalPort();
            }
            long t0 = System.nanoTime();
            sender.send(mail(server(silent.getLocalPort(), 300), "silent"));
            sender.send(mail(server(closedPort, 300), "refused"));
            assertTrue(
                    waitFor(() -> sender.counts().failed() == 2),
                    sender.counts().toString());
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            // greeting timeout, then QUIT's timeout: two reads of 300 ms, not more
            assertTrue(ms >= 550 && ms < 5000, ms + " ms");
            assertEquals(new SmtpAlertSender.Counts(0, 2, 0), sender.counts());
        }
    }

    @Test
    void aFullQueueDropsAndCountsAndCloseDoesNotWaitForever() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 200, InetAddress.getLoopbackAddress())) {
            SmtpAlertSender sender = new SmtpAlertSender();
            SmtpAlertPlan.Server s = server(silent.getLocalPort(), 10_000);
            List<String> subjects = new ArrayList<>();
            for (int i = 0; i < SmtpAlertSender.CAPACITY + 10; i++) {
                subjects.add("m" + i);
                sender.send(mail(s, "m" + i));
            }
            // one in flight, CAPACITY waiting, the rest dropped (the first may not have left the queue yet)
            long dropped = sender.counts().dropped();
            assertTrue(dropped == 9 || dropped == 10, "dropped " + dropped);
            long t0 = System.nanoTime();
            sender.close(200);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms < 3000, ms + " ms");
            sender.send(mail(s, "after close"));
            assertEquals(dropped, sender.counts().dropped());
        }
    }
}
