// SPDX-License-Identifier: GPL-2.0
/*
 * hadirector's XDP fast path for direct routing (issue 17): a frame of a connection the director
 * already forwards leaves again at once, on the same interface, with the real server's MAC as
 * destination and the director's as source (the IP packet untouched, as IPVS DR does); anything
 * else goes on to the stack, where the AF_PACKET forwarder schedules it and adds the connection
 * to the map. The program makes no decision of its own beyond "known connection, and a segment
 * that does not move its TCP state": the schedulers, TCP states and timeouts stay in Java, which
 * reads the counters kept here.
 *
 * Loaded by hadirector's own loader (org.hadirector.ipvs.xdp.BpfObject), not libbpf: maps are
 * declared in the "maps" section as struct hd_map_def (5 x u32), and the loader creates them
 * and patches each map reference (an ld_imm64 with an R_BPF_64_64 relocation) with its fd.
 * So: no global variables (.data/.rodata/.bss), no BTF-defined maps, every function inlined.
 * The structs below are read and written by Java byte for byte (XdpMaps); change both together.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct hd_map_def {
    __u32 type;
    __u32 key_size;
    __u32 value_size;
    __u32 max_entries; /* the loader may give a map another size */
    __u32 map_flags;
};

/* A connection as the director sees it: the client's address and port, the service's. */
struct conn_key {
    __u32 saddr[4]; /* IPv4: saddr[0] only, the rest 0 */
    __u32 daddr[4];
    __be16 sport;
    __be16 dport;
    __u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
    __u8 family; /* 4 or 6 */
    __u16 pad;
};

/* Where a connection goes, and what the program saw of it (Java derives TCP states from these). */
struct conn_val {
    __u8 dmac[6]; /* the real server's MAC */
    __u8 flags_seen; /* every TCP flag of the segments forwarded here, or'ed */
    __u8 last_flags; /* the last forwarded segment's TCP flags */
    __u32 dest; /* the real server's slot in dests, Java's */
    __u64 packets;
    __u64 bytes;
    __u64 last_ns; /* bpf_ktime_get_ns() of the last packet */
};

/*
 * What the program forwarded to one real server of one service (Java's slot), per CPU: Java adds
 * it to the server's and the service's counts each second, before the rate estimate, so that
 * `ipvs -L --stats/--rate` see the program's packets as the kernel's counters would.
 */
struct dest_stats {
    __u64 packets;
    __u64 bytes;
};

/* The interface's own settings: its MAC, the source of every forwarded frame. */
struct xdp_config {
    __u8 mac[6];
    __u16 pad;
};

/* Counters, per CPU; Java sums them. */
enum {
    C_TX = 0, /* forwarded */
    C_PASS_MISS, /* no connection: to the stack (the AF_PACKET forwarder) */
    C_PASS_TCP_STATE, /* a SYN, FIN or RST of a known connection: its state is Java's to move */
    C_PASS_NOT_IP, /* neither IPv4 nor IPv6 (ARP among them) */
    C_PASS_FRAGMENT, /* an IP fragment */
    C_PASS_OPTIONS, /* IPv4 options or an IPv6 extension header */
    C_PASS_OTHER_L4, /* neither TCP nor UDP */
    C_PASS_TRUNCATED, /* shorter than its headers */
    C_COUNTERS
};

struct hd_map_def SEC("maps") conns = {
    .type = BPF_MAP_TYPE_LRU_HASH,
    .key_size = sizeof(struct conn_key),
    .value_size = sizeof(struct conn_val),
    .max_entries = 65536,
};

struct hd_map_def SEC("maps") dests = {
    .type = BPF_MAP_TYPE_PERCPU_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(struct dest_stats),
    .max_entries = 16384,
};

struct hd_map_def SEC("maps") config = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(struct xdp_config),
    .max_entries = 1,
};

struct hd_map_def SEC("maps") counters = {
    .type = BPF_MAP_TYPE_PERCPU_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = C_COUNTERS,
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

static __always_inline int count(__u32 which, int verdict)
{
    __u64 *c = bpf_map_lookup_elem(&counters, &which);
    if (c)
        *c += 1; /* per CPU: no other writer */
    return verdict;
}

SEC("xdp")
int xdp_dr(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct conn_key key = {};
    void *l4;

    if ((void *)(eth + 1) > end)
        return count(C_PASS_TRUNCATED, XDP_PASS);
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = (void *)(eth + 1);
        if ((void *)(ip + 1) > end)
            return count(C_PASS_TRUNCATED, XDP_PASS);
        if (ip->ihl != 5)
            return count(C_PASS_OPTIONS, XDP_PASS);
        if (ip->frag_off & bpf_htons(0x3fff)) /* MF or an offset */
            return count(C_PASS_FRAGMENT, XDP_PASS);
        key.family = 4;
        key.proto = ip->protocol;
        key.saddr[0] = ip->saddr;
        key.daddr[0] = ip->daddr;
        l4 = ip + 1;
    } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = (void *)(eth + 1);
        if ((void *)(ip6 + 1) > end)
            return count(C_PASS_TRUNCATED, XDP_PASS);
        if (ip6->nexthdr == 44 /* fragment header */)
            return count(C_PASS_FRAGMENT, XDP_PASS);
        if (ip6->nexthdr == 0 || ip6->nexthdr == 43 || ip6->nexthdr == 60) /* hop-by-hop, routing, destination */
            return count(C_PASS_OPTIONS, XDP_PASS);
        if (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP)
            return count(C_PASS_OTHER_L4, XDP_PASS);
        key.family = 6;
        key.proto = ip6->nexthdr;
        __builtin_memcpy(key.saddr, &ip6->saddr, 16);
        __builtin_memcpy(key.daddr, &ip6->daddr, 16);
        l4 = ip6 + 1;
    } else {
        return count(C_PASS_NOT_IP, XDP_PASS);
    }

    __u8 flags = 0;
    if (key.proto == IPPROTO_TCP) {
        struct tcphdr *th = l4;
        if ((void *)(th + 1) > end)
            return count(C_PASS_TRUNCATED, XDP_PASS);
        key.sport = th->source;
        key.dport = th->dest;
        flags = ((__u8 *)th)[13];
    } else if (key.proto == IPPROTO_UDP) {
        struct udphdr *uh = l4;
        if ((void *)(uh + 1) > end)
            return count(C_PASS_TRUNCATED, XDP_PASS);
        key.sport = uh->source;
        key.dport = uh->dest;
    } else {
        return count(C_PASS_OTHER_L4, XDP_PASS);
    }

    struct conn_val *conn = bpf_map_lookup_elem(&conns, &key);
    if (!conn)
        return count(C_PASS_MISS, XDP_PASS);
    /*
     * Only the segments that leave an established connection established are the program's: a
     * SYN, FIN or RST moves IPVS's TCP state (the input-only table), so it goes to Java, which
     * moves the state exactly and takes the connection out of the map when it leaves
     * ESTABLISHED (a SYN on a finished connection is also conn_reuse_mode's new connection).
     */
    if (flags & (TCP_SYN | TCP_FIN | TCP_RST))
        return count(C_PASS_TCP_STATE, XDP_PASS);
    __u32 zero = 0;
    struct xdp_config *cfg = bpf_map_lookup_elem(&config, &zero);
    if (!cfg)
        return count(C_PASS_MISS, XDP_PASS);

    /*
     * Plain adds, no atomics: a flow's frames arrive on one receive queue, so one CPU at a time
     * (RSS, a veth's NAPI); were two CPUs ever to race on one flow, a count would lose a frame,
     * which moves a statistic or a sync offer by one. The coarse clock (CLOCK_MONOTONIC at the
     * tick's resolution) is a read of a cached value: Java's timeouts are counted in seconds.
     */
    __u64 len = (__u64)(end - data);
    conn->packets += 1;
    conn->bytes += len;
    conn->last_ns = bpf_ktime_get_coarse_ns();
    struct dest_stats *ds = bpf_map_lookup_elem(&dests, &conn->dest);
    if (ds) {
        ds->packets += 1; /* per CPU: no other writer */
        ds->bytes += len;
    }
    conn->last_flags = flags;
    if (flags & ~conn->flags_seen)
        conn->flags_seen |= flags; /* rare (a flag seen for the first time): a race loses nothing Java needs twice */

    __builtin_memcpy(eth->h_dest, conn->dmac, ETH_ALEN);
    __builtin_memcpy(eth->h_source, cfg->mac, ETH_ALEN);
    return count(C_TX, XDP_TX);
}

char _license[] SEC("license") = "GPL";
