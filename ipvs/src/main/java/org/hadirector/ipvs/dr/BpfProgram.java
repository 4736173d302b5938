package org.hadirector.ipvs.dr;

import java.util.ArrayList;
import java.util.List;

/**
 * The classic BPF programs the forwarder's packet sockets run, so the kernel copies only what the
 * forwarder needs: ARP and IPv6 neighbour solicitations and advertisements (to learn real
 * servers' MACs) and IPv4 and IPv6 TCP/UDP frames addressed to this host (PACKET_HOST) whose
 * destination is one of the services. Everything else costs no copy. An IPv6 frame whose first
 * next header is an extension header (hop-by-hop, routing, destination options) to a service's
 * address is taken whole, port unread (classic BPF cannot walk the chain): the frame path reads
 * it, and a SYN among them arrives on the established lane.
 *
 * <p>The frames are split in two {@link Lane}s, one socket and ring each: a TCP SYN (without ACK)
 * opens a connection, everything else belongs to one or is ARP. Under a SYN flood the opening
 * ring fills and the kernel drops there, while the established connections' ring, which the
 * forwarder empties as often, keeps its room: an established connection never loses a segment to
 * a flood of new ones (the kernel's IPVS spends no time on a SYN it cannot take either, it drops
 * half-open entries first: drop_entry).
 */
final class BpfProgram {
    // struct sock_filter codes (linux/bpf_common.h)
    private static final int LD_H_ABS = 0x28;
    private static final int LD_B_ABS = 0x30;
    private static final int LD_W_ABS = 0x20;
    private static final int LDX_B_MSH = 0xb1;
    private static final int LD_H_IND = 0x48;
    private static final int LD_B_IND = 0x50;
    private static final int AND_K = 0x54;
    private static final int JA = 0x05;
    private static final int JEQ_K = 0x15;
    private static final int JSET_K = 0x45;
    private static final int RET_K = 0x06;
    /** SKF_AD_OFF + SKF_AD_PKTTYPE: the ancillary load of skb->pkt_type. */
    private static final int PKTTYPE = 0xfffff000 + 4;

    private static final int ACCEPT = 0x40000;

    /** One balanced destination: protocol, address as {@link Ip128} holds it, port (0 = any port). */
    record Target(int protocol, long hi, long lo, int port) {
        /** An IPv4 destination. */
        Target(int protocol, int address, int port) {
            this(protocol, 0, Ip128.v4(address), port);
        }

        boolean ipv4() {
            return Ip128.isV4(hi, lo);
        }

        /** An IPv4 destination's address as an int. */
        int address() {
            return (int) lo;
        }
    }

    /** Which of a service's frames a socket takes. */
    enum Lane {
        /** TCP SYNs without ACK: the first segment of a connection, and all of a SYN flood. */
        OPENING,
        /** The rest: the connections' later segments, UDP, ARP and neighbour discovery. */
        ESTABLISHED
    }

    private BpfProgram() {}

    static int[][] build(List<Target> targets, Lane lane) {
        int opening = lane == Lane.OPENING ? ACCEPT : 0;
        int established = lane == Lane.ESTABLISHED ? ACCEPT : 0;
        List<int[]> p = new ArrayList<>();
        // A label is patched once the accept and drop instructions' positions are known.
        p.add(new int[] {LD_W_ABS, 0, 0, PKTTYPE});
        p.add(new int[] {JEQ_K, 1, 0, 0}); // PACKET_HOST
        p.add(new int[] {RET_K, 0, 0, 0});
        p.add(new int[] {LD_H_ABS, 0, 0, 12});
        p.add(new int[] {JEQ_K, 0, 1, 0x0806});
        p.add(new int[] {RET_K, 0, 0, established});
        p.add(new int[] {JEQ_K, 3, 0, 0x0800});
        p.add(new int[] {JEQ_K, 0, 1, 0x86dd});
        List<Integer> toIpv6 = new ArrayList<>();
        toIpv6.add(p.size());
        p.add(new int[] {JA, 0, 0, 0});
        p.add(new int[] {RET_K, 0, 0, 0});
        // Later fragments carry no ports, so they cannot be matched; the local stack gets them.
        p.add(new int[] {LD_H_ABS, 0, 0, 20});
        p.add(new int[] {JSET_K, 0, 1, 0x1fff});
        p.add(new int[] {RET_K, 0, 0, 0});
        p.add(new int[] {LDX_B_MSH, 0, 0, 14});
        List<Integer> toTcp = new ArrayList<>();
        for (Target t : targets) {
            if (!t.ipv4()) {
                continue;
            }
            // Each target: address, protocol, port, then its verdict (TCP: a jump to the flags'
            // test at the end); on a mismatch fall through to the next target.
            int size = t.port == 0 ? 5 : 7;
            p.add(new int[] {LD_W_ABS, 0, 0, 30});
            p.add(new int[] {JEQ_K, 0, size - 2, t.address()});
            p.add(new int[] {LD_B_ABS, 0, 0, 23});
            p.add(new int[] {JEQ_K, 0, size - 4, t.protocol});
            if (t.port != 0) {
                p.add(new int[] {LD_H_IND, 0, 0, 16});
                p.add(new int[] {JEQ_K, 0, 1, t.port});
            }
            if (t.protocol == 6) {
                toTcp.add(p.size());
                p.add(new int[] {JA, 0, 0, 0});
            } else {
                p.add(new int[] {RET_K, 0, 0, established});
            }
        }
        p.add(new int[] {RET_K, 0, 0, 0});
        // IPv6 (no fragment test: a fragment header is a next header like the others)
        int ipv6 = p.size();
        for (int at : toIpv6) {
            p.get(at)[3] = ipv6 - at - 1;
        }
        p.add(new int[] {LD_B_ABS, 0, 0, 14 + 6});
        p.add(new int[] {JEQ_K, 0, 5, 58}); // ICMPv6: neighbour solicitations and advertisements
        p.add(new int[] {LD_B_ABS, 0, 0, 14 + 40});
        p.add(new int[] {JEQ_K, 2, 0, 135});
        p.add(new int[] {JEQ_K, 1, 0, 136});
        p.add(new int[] {RET_K, 0, 0, 0});
        p.add(new int[] {RET_K, 0, 0, established});
        List<Integer> toTcp6 = new ArrayList<>();
        for (Target t : targets) {
            if (t.ipv4()) {
                continue;
            }
            // address (four words), then: an extension header first: taken, port unread;
            // else protocol and port as for IPv4, the transport header at 14 + 40
            int size = t.port == 0 ? 15 : 17;
            int[] words = {(int) (t.hi >>> 32), (int) t.hi, (int) (t.lo >>> 32), (int) t.lo};
            for (int w = 0; w < 4; w++) {
                p.add(new int[] {LD_W_ABS, 0, 0, 14 + 24 + 4 * w});
                p.add(new int[] {JEQ_K, 0, size - 2 - 2 * w, words[w]});
            }
            p.add(new int[] {LD_B_ABS, 0, 0, 14 + 6});
            p.add(new int[] {JEQ_K, 2, 0, 0}); // hop-by-hop
            p.add(new int[] {JEQ_K, 1, 0, 43}); // routing
            p.add(new int[] {JEQ_K, 0, 1, 60}); // destination options
            p.add(new int[] {RET_K, 0, 0, established});
            p.add(new int[] {JEQ_K, 0, size - 14, t.protocol});
            if (t.port != 0) {
                p.add(new int[] {LD_H_ABS, 0, 0, 14 + 40 + 2});
                p.add(new int[] {JEQ_K, 0, 1, t.port});
            }
            if (t.protocol == 6) {
                toTcp6.add(p.size());
                p.add(new int[] {JA, 0, 0, 0});
            } else {
                p.add(new int[] {RET_K, 0, 0, established});
            }
        }
        p.add(new int[] {RET_K, 0, 0, 0});
        // A TCP frame of a service: SYN set and ACK clear (flags at 14 + IHL + 13) opens.
        int tcp = p.size();
        for (int at : toTcp) {
            p.get(at)[3] = tcp - at - 1;
        }
        p.add(new int[] {LD_B_IND, 0, 0, 14 + 13});
        p.add(new int[] {AND_K, 0, 0, 0x12});
        p.add(new int[] {JEQ_K, 0, 1, 0x02});
        p.add(new int[] {RET_K, 0, 0, opening});
        p.add(new int[] {RET_K, 0, 0, established});
        // The same for IPv6, whose TCP header is at 14 + 40 (flags at + 13)
        int tcp6 = p.size();
        for (int at : toTcp6) {
            p.get(at)[3] = tcp6 - at - 1;
        }
        p.add(new int[] {LD_B_ABS, 0, 0, 14 + 40 + 13});
        p.add(new int[] {AND_K, 0, 0, 0x12});
        p.add(new int[] {JEQ_K, 0, 1, 0x02});
        p.add(new int[] {RET_K, 0, 0, opening});
        p.add(new int[] {RET_K, 0, 0, established});
        if (p.size() > 4096) {
            throw new IllegalArgumentException("too many services for one BPF program: " + targets.size());
        }
        return p.toArray(new int[0][]);
    }
}
