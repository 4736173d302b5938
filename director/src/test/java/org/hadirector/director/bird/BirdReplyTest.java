package org.hadirector.director.bird;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reply parser on replies captured from Debian's bird2 2.0.12 (src/test/resources/bird). */
class BirdReplyTest {

    static String captured(String name) throws IOException {
        try (InputStream in = BirdReplyTest.class.getResourceAsStream("/bird/" + name)) {
            if (in == null) {
                throw new IOException("no test resource /bird/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    static BirdReply reply(String name) throws IOException {
        return BirdReply.parse(captured(name), 1000, 4096);
    }

    @Test
    void greeting() throws Exception {
        BirdReply r = reply("banner.txt");
        assertEquals(1, r.finalCode());
        assertEquals("BIRD 2.0.12 ready.", r.lines().get(0).text());
    }

    @Test
    void protocolsOfADirectorWhoseSessionIsEstablished() throws Exception {
        List<BirdProtocol> p = BirdProtocol.parseAll(reply("show-protocols-established.txt"));
        assertEquals(3, p.size());
        assertEquals(new BirdProtocol("device1", "Device", "---", "up", "13:57:02.688", ""), p.get(0));
        assertEquals(new BirdProtocol("announce", "Direct", "---", "up", "13:57:02.688", ""), p.get(1));
        BirdProtocol up = p.get(2);
        assertEquals(new BirdProtocol("uplink", "BGP", "---", "up", "13:57:54.356", "Established"), up);
        assertTrue(up.established());
        assertFalse(p.get(1).established(), "only BGP sessions are established");
    }

    @Test
    void sessionsNotEstablished() throws Exception {
        BirdProtocol active =
                BirdProtocol.parseAll(reply("show-protocols-active.txt")).get(2);
        assertEquals("start", active.state());
        assertEquals("Active        Socket: Connection refused", active.info());
        assertFalse(active.established());
        BirdProtocol down =
                BirdProtocol.parseAll(reply("show-protocols-disabled.txt")).get(2);
        assertEquals(new BirdProtocol("uplink", "BGP", "---", "down", "13:58:08.834", ""), down);
        assertFalse(down.established());
    }

    @Test
    void theRoutersTwoSessionsAndItsMultipathRoute() throws Exception {
        List<BirdProtocol> p = BirdProtocol.parseAll(reply("show-protocols-router.txt"));
        assertEquals(
                List.of("device1", "kernel1", "d1", "d2"),
                p.stream().map(BirdProtocol::name).toList());
        assertEquals("master4", p.get(1).table());
        assertTrue(p.get(2).established() && p.get(3).established());
        // two routes for one network, each with its next hop: the network once
        assertEquals(
                List.of(new BirdRoute("master4", "198.18.0.100/32")),
                BirdRoute.parseAll(reply("show-route-router-multipath.txt")));
    }

    @Test
    void exportedRoutes() throws Exception {
        assertEquals(
                List.of(new BirdRoute("master4", "198.18.0.100/32")),
                BirdRoute.parseAll(reply("show-route-exported-uplink.txt")));
        BirdReply empty = reply("show-route-exported-empty.txt");
        assertEquals(0, empty.finalCode());
        assertEquals(List.of(), BirdRoute.parseAll(empty));
    }

    @Test
    void theDetailedViewKeepsContinuationsUnderTheirCode() throws Exception {
        BirdReply r = reply("show-protocols-all-uplink.txt");
        assertEquals(1, BirdProtocol.parseAll(r).size());
        List<String> details = r.texts(1006);
        assertEquals("  BGP state:          Established", details.get(0));
        assertTrue(details.contains("    Hold timer:       1.800/3"), details.toString());
    }

    @Test
    void errorsAreThrownWithTheirCode() throws Exception {
        BirdReply syntax = reply("syntax-error.txt");
        assertTrue(syntax.isError());
        BirdException e = assertThrows(BirdException.class, () -> syntax.orThrow("show nonsense"));
        assertEquals(9001, e.code());
        assertEquals("BIRD refused 'show nonsense': 9001 syntax error, unexpected CF_SYM_UNDEFINED", e.getMessage());
        assertEquals(
                8003,
                assertThrows(
                                BirdException.class,
                                () -> reply("no-protocols-match.txt").orThrow("x"))
                        .code());
        assertEquals(9001, reply("show-route-exported-channel-down.txt").finalCode());
    }

    @Test
    void otherDoneCodes() throws Exception {
        assertEquals(
                List.of("uplink: disabled", ""),
                reply("disable.txt").lines().stream().map(BirdReply.Line::text).toList());
        BirdReply status = reply("show-status.txt");
        assertEquals(13, status.finalCode());
        assertEquals("BIRD 2.0.12", status.texts(1000).get(0));
        assertEquals(5, status.texts(1011).size());
    }

    @Test
    void refusesMalformedAndOversizedReplies() {
        assertThrows(BirdException.class, () -> BirdReply.parse(" continuation first\n0000 \n", 10, 100));
        assertThrows(BirdException.class, () -> BirdReply.parse("12x4 text\n", 10, 100));
        assertThrows(BirdException.class, () -> BirdReply.parse("1007-Table master4:\nno space\n", 10, 100));
        assertThrows(BirdException.class, () -> BirdReply.parse("1007-a\n 1\n 2\n 3\n0000 \n", 3, 100));
        assertThrows(BirdException.class, () -> BirdReply.parse("1007-" + "x".repeat(200) + "\n0000 \n", 10, 100));
        assertThrows(BirdException.class, () -> BirdReply.parse("1007-never ends\n", 10, 100));
        assertThrows(
                BirdException.class,
                () -> BirdProtocol.parseAll(
                        new BirdReply(List.of(new BirdReply.Line(1002, "onlyname BGP"), new BirdReply.Line(0, "")))));
    }

    @Test
    void networksOnly() {
        assertTrue(BirdRoute.isIpNetwork("198.18.0.100/32"));
        assertTrue(BirdRoute.isIpNetwork("2001:db8::100/128"));
        assertFalse(BirdRoute.isIpNetwork("unicast"));
        assertFalse(BirdRoute.isIpNetwork("198.18.0.100/"));
        assertFalse(BirdRoute.isIpNetwork("/32"));
    }
}
