package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad control requests get one error line and reach nothing; good ones on a director without parts say so. */
class ControlCommandsTest {
    final ControlCommands commands = new ControlCommands(new Director(null));

    /** Without a table nothing is streamed: every answer is one text. */
    String answer(String request) {
        return ((ControlAnswer.Text) commands.answer(request)).text();
    }

    @Test
    void unknownAndMalformedRequestsAreErrors() {
        assertEquals(
                "error: unknown command 'demote VI_1'; known: " + ControlCommands.KNOWN + "\n", answer("demote VI_1"));
        assertEquals("error: unknown command '?[2J'; known: " + ControlCommands.KNOWN + "\n", answer("\u001b[2J"));
        assertEquals("error: unknown command ''; known: " + ControlCommands.KNOWN + "\n", answer(""));
        for (String bad : List.of(
                "vrrp",
                "vrrp demote",
                "vrrp demote VI_1 now",
                "vrrp elect VI_1",
                "real-server drain",
                "real-server drain 198.18.0.100:80",
                "real-server kill 198.18.0.100:80 198.18.0.21:80",
                "real-server drain a b c d",
                "status xml",
                "status json please",
                "ipvs -Z",
                "ipvs -L -n --zero")) {
            assertTrue(answer(bad).startsWith("error: "), bad + " -> " + answer(bad));
        }
        assertEquals("x".repeat(60) + "...", ControlCommands.shown("x".repeat(200)));
    }

    @Test
    void actionsNameWhatIsMissing() {
        assertEquals("error: no vrrp_instance 'VI_9' (known: )\n", answer("vrrp demote VI_9"));
        assertEquals(
                "error: this daemon runs no DR table (no virtual_server, or -P)\n",
                answer("real-server drain 198.18.0.100:80 198.18.0.21:80"));
        assertEquals("error: this daemon runs no DR table (no virtual_server, or -P)\n", answer("ipvs -L -n"));
    }

    @Test
    void randomLinesNeverThrowAndOnlyKnownCommandsAnswerOk() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(42);
        String[] words = {
            "status",
            "json",
            "ipvs",
            "-L",
            "-n",
            "-c",
            "--stats",
            "vrrp",
            "demote",
            "promote",
            "VI_1",
            "real-server",
            "drain",
            "enable",
            "198.18.0.100:80",
            "TCP",
            "198.18.0.21:80",
            "\u0000",
            "\n",
            " ",
            "%s",
            "ok:"
        };
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(6);
            for (int w = 0; w < n; w++) {
                if (r.nextInt(4) == 0) {
                    for (int c = r.nextInt(8); c > 0; c--) {
                        b.append((char) r.nextInt(0x3000));
                    }
                } else {
                    b.append(words[r.nextInt(words.length)]);
                }
                b.append(' ');
            }
            String answer = answer(b.toString());
            assertTrue(answer.endsWith("\n") || answer.isEmpty(), answer);
            assertTrue(!answer.startsWith("ok:"), "nothing to act on here, yet '" + b + "' got " + answer);
        }
    }

    @Test
    void statusOfANothingDirector() {
        assertEquals("", answer("status"));
        assertTrue(answer("status json").contains("\"vrrpInstances\" : []"), answer("status json"));
    }
}
