package org.hadirector.ipvs.dr;

import java.util.ArrayList;
import java.util.List;

/**
 * The classic BPF program the forwarder's packet socket runs, so the kernel copies only what the
 * forwarder needs: ARP (to learn real servers' MACs) and IPv4 TCP/UDP frames addressed to this
 * host (PACKET_HOST) whose destination is one of the services. Everything else costs no copy.
 */
final class BpfProgram {
    // struct sock_filter codes (linux/bpf_common.h)
    private static final int LD_H_ABS = 0x28;
    private static final int LD_B_ABS = 0x30;
    private static final int LD_W_ABS = 0x20;
    private static final int LDX_B_MSH = 0xb1;
    private static final int LD_H_IND = 0x48;
    private static final int JEQ_K = 0x15;
    private static final int JSET_K = 0x45;
    private static final int RET_K = 0x06;
    /** SKF_AD_OFF + SKF_AD_PKTTYPE: the ancillary load of skb->pkt_type. */
    private static final int PKTTYPE = 0xfffff000 + 4;

    private static final int ACCEPT = 0x40000;

    /** One balanced destination: protocol, IPv4 address, port (0 = any port). */
    record Target(int protocol, int address, int port) {}

    private BpfProgram() {}

    static int[][] build(List<Target> targets) {
        List<int[]> p = new ArrayList<>();
        // A label is patched once the accept and drop instructions' positions are known.
        p.add(new int[] {LD_W_ABS, 0, 0, PKTTYPE});
        p.add(new int[] {JEQ_K, 1, 0, 0}); // PACKET_HOST
        p.add(new int[] {RET_K, 0, 0, 0});
        p.add(new int[] {LD_H_ABS, 0, 0, 12});
        p.add(new int[] {JEQ_K, 0, 1, 0x0806});
        p.add(new int[] {RET_K, 0, 0, ACCEPT});
        p.add(new int[] {JEQ_K, 1, 0, 0x0800});
        p.add(new int[] {RET_K, 0, 0, 0});
        // Later fragments carry no ports, so they cannot be matched; the local stack gets them.
        p.add(new int[] {LD_H_ABS, 0, 0, 20});
        p.add(new int[] {JSET_K, 0, 1, 0x1fff});
        p.add(new int[] {RET_K, 0, 0, 0});
        p.add(new int[] {LDX_B_MSH, 0, 0, 14});
        for (Target t : targets) {
            // Each target: address, protocol, port; on mismatch fall through to the next target.
            int skip = t.port == 0 ? 4 : 6;
            p.add(new int[] {LD_W_ABS, 0, 0, 30});
            p.add(new int[] {JEQ_K, 0, skip - 1, t.address});
            p.add(new int[] {LD_B_ABS, 0, 0, 23});
            p.add(new int[] {JEQ_K, 0, skip - 3, t.protocol});
            if (t.port != 0) {
                p.add(new int[] {LD_H_IND, 0, 0, 16});
                p.add(new int[] {JEQ_K, 0, 1, t.port});
            }
            p.add(new int[] {RET_K, 0, 0, ACCEPT});
        }
        p.add(new int[] {RET_K, 0, 0, 0});
        if (p.size() > 4096) {
            throw new IllegalArgumentException("too many services for one BPF program: " + targets.size());
        }
        return p.toArray(new int[0][]);
    }
}
