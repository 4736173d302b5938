package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

/** The project's one ARP encoder and one Internet checksum, byte for byte. */
class FramesAndChecksumTest {
    static final HexFormat HEX = HexFormat.of();

    @Test
    void aGratuitousArpIsABroadcastRequestWithSenderAndTargetTheVip() {
        byte[] mac = HEX.parseHex("020000000b01");
        byte[] vip = {(byte) 198, 18, 0, 100};
        byte[] f = ArpFrame.request(mac, vip, vip);
        assertEquals(
                "ffffffffffff" + "020000000b01" + "0806" // Ethernet: broadcast, from us, ARP
                        + "0001" + "0800" + "06" + "04" + "0001" // Ethernet/IPv4, lengths 6 and 4, REQUEST
                        + "020000000b01" + "c6120064" // sender: our MAC, the VIP
                        + "000000000000" + "c6120064" // target: no MAC (RFC 5227 2.3), the VIP
                        + "00".repeat(18),
                HEX.formatHex(f),
                "padded to Ethernet's 60-byte minimum");
    }

    @Test
    void theForwardersRequestAsksForTheRealServerFromItsOwnAddress() {
        byte[] f = ArpFrame.request(
                HEX.parseHex("020000000b01"), new byte[] {(byte) 198, 18, 0, 11}, new byte[] {(byte) 198, 18, 0, 21});
        assertEquals("c612000b", HEX.formatHex(f, 28, 32));
        assertEquals("c6120015", HEX.formatHex(f, 38, 42));
        assertEquals(ArpFrame.LENGTH, f.length);
    }

    /** RFC 1071 section 3's example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, so the field is 220d. */
    @Test
    void theRfc1071ExampleOnBytesAndOnNativeMemory() {
        byte[] b = HEX.parseHex("0001f203f4f5f6f7");
        assertEquals(0x220d, InternetChecksum.fold(InternetChecksum.add(0, b, 0, b.length)));
        Pointer p = Memory.allocateDirect(Runtime.getSystemRuntime(), 16);
        p.put(3, b, 0, b.length);
        assertEquals(0x220d, InternetChecksum.fold(InternetChecksum.add(0, p, 3, b.length)));
        // an odd length pads the last byte on the right, in both
        byte[] odd = HEX.parseHex("0001f203f4");
        p.put(0, odd, 0, odd.length);
        assertEquals(
                InternetChecksum.fold(InternetChecksum.add(0, odd, 0, odd.length)),
                InternetChecksum.fold(InternetChecksum.add(0, p, 0, odd.length)));
        // 0001 + f203 + f400 = 1e604; the carry folded in: e605; complemented: 19fa
        assertEquals(0x19fa, InternetChecksum.fold(InternetChecksum.add(0, odd, 0, odd.length)));
    }
}
