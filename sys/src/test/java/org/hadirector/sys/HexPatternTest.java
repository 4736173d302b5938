package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** keepalived's read_hex_str, case by case. */
class HexPatternTest {

    @Test
    void pairsOfDigitsAreOctetsAndBlanksSeparateThem() {
        assertArrayEquals(
                new byte[] {0x0a, 0x0b}, HexPattern.parse("0a0b", false).data());
        assertArrayEquals(
                new byte[] {0x0a, 0x0b}, HexPattern.parse("0a 0b", false).data());
        assertArrayEquals(
                new byte[] {0x0a, 0x0b}, HexPattern.parse("a b", false).data(), "a lone digit is an octet");
        assertArrayEquals(
                new byte[] {(byte) 0xab, 0x0c}, HexPattern.parse("abc", false).data());
        assertArrayEquals(
                new byte[] {(byte) 0xff}, HexPattern.parse("  FF\t", false).data());
    }

    @Test
    void xIsAWildcardNibbleOnlyWhereAllowed() {
        HexPattern p = HexPattern.parse("4x X1", true);
        assertArrayEquals(new byte[] {0x40, 0x01}, p.data());
        assertArrayEquals(new byte[] {0x0f, (byte) 0xf0}, p.wildcard());
        assertEquals("4xx1", p.toString());
        assertNull(HexPattern.parse("4x", false), "a payload has no wildcards");
    }

    @Test
    void anythingElseIsNotAHexString() {
        assertNull(HexPattern.parse("zz", false));
        assertNull(HexPattern.parse("0a 0g", false));
        assertNull(HexPattern.parse("", false));
        assertNull(HexPattern.parse("   ", false));
        assertNull(HexPattern.parse(null, false));
    }

    @Test
    void equalPatternsAreEqual() {
        assertEquals(HexPattern.parse("0a0b", true), HexPattern.parse("0a 0b", true));
    }
}
