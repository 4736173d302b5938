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
#include "maglev.h"

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

/*
 * The Maglev path (issue 17): a service whose scheduler is consistent (mh, or sh by its
 * 256-entry table), and whose misses the program may place itself: a TCP segment without SYN, FIN or RST of a sloppy_tcp service (a flow another
 * director served until an ECMP change), any UDP datagram. Java writes these maps, a service
 * only when the program's placing is the kernel's (no persistence); the program tells Java of
 * each connection it places through the ring buffer "placed", and places none it cannot tell.
 */
struct svc_key {
    __u32 daddr[4];
    __be16 dport;
    __u8 proto;
    __u8 family;
};

#define SVC_MH_PORT 0x1 /* mh-port (sh-port): the source port is hashed too */
#define SVC_MH_FALLBACK 0x2 /* mh-fallback (sh-fallback): an unusable server's flows walk on to the next */
#define SVC_SH 0x4 /* sh: the table's first HD_SH_SIZE entries, the kernel's sh hashing */

struct svc_val {
    __u32 table; /* its table's first entry in mh_tables (a multiple of HD_MH_SIZE) */
    __u32 flags;
};

/* A real server as the Maglev path needs it, by Java's slot (as in dests). */
struct server {
    __u8 dmac[6];
    __u8 usable; /* weight above 0 and in the table: the scheduler may pick it */
    __u8 mac_known; /* else its flows go to Java, which asks for the MAC */
};

/* What the program placed: Java makes the connection as if it had scheduled the frame. */
struct placed_event {
    struct conn_key key;
    __u32 dest;
    __u8 flags; /* the frame's TCP flags */
    __u8 pad[3];
    __u64 bytes;
};

/* The most mh and sh services the program places for; the walk of a fallback it takes before Java does. */
#define MH_SERVICES 64
#define MH_WALK 8

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
    C_PLACED, /* a miss of an mh or sh service the program placed itself and forwarded */
    C_PASS_UNPLACED, /* a miss of an mh or sh service left to Java: no usable server within the walk, no MAC yet */
    C_PASS_RING_FULL, /* a miss of an mh or sh service left to Java: no room to tell Java of it */
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

struct hd_map_def SEC("maps") services = {
    .type = BPF_MAP_TYPE_HASH,
    .key_size = sizeof(struct svc_key),
    .value_size = sizeof(struct svc_val),
    .max_entries = MH_SERVICES,
};

/* Each placed service's table: entry i is its slot i's real server (Java's slot) + 1, 0 for none (sh: 256 used). */
struct hd_map_def SEC("maps") mh_tables = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u32),
    .max_entries = MH_SERVICES * HD_MH_SIZE,
};

struct hd_map_def SEC("maps") servers = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(struct server),
    .max_entries = 16384,
};

struct hd_map_def SEC("maps") placed = {
    .type = BPF_MAP_TYPE_RINGBUF,
    .max_entries = 256 * 1024,
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

/* Entry `slot` of a service's table: Java's slot of its real server, or -1 for none. */
static __always_inline long mh_entry(struct svc_val *svc, __u32 slot)
{
    __u32 i = svc->table + slot;
    __u32 *d = bpf_map_lookup_elem(&mh_tables, &i);
    return d && *d ? (long)*d - 1 : -1;
}

/* The real server in Java's slot `dest` if the scheduler may pick it, else NULL. */
static __always_inline struct server *usable(long dest)
{
    __u32 d = dest;
    struct server *srv = bpf_map_lookup_elem(&servers, &d);
    return srv && srv->usable ? srv : 0;
}

/* The source address as mh and sh hash it, in host order: IPv6 folded to the XOR of its words. */
static __always_inline __u32 source_folded(struct conn_key *key)
{
    __u32 addr = bpf_ntohl(key->saddr[0]);
    if (key->family == 6)
        addr ^= bpf_ntohl(key->saddr[1]) ^ bpf_ntohl(key->saddr[2]) ^ bpf_ntohl(key->saddr[3]);
    return addr;
}

/*
 * ip_vs_mh_schedule: the source's slot, and with mh-fallback the walk on to a usable server
 * (the first MH_WALK steps here; Java takes a longer walk). -1: Java's to place.
 */
static __always_inline long mh_pick(struct svc_val *svc, struct conn_key *key, struct server **out)
{
    __u32 addr = source_folded(key);
    __u32 port = svc->flags & SVC_MH_PORT ? bpf_ntohs(key->sport) : 0;
    __u32 ihash = hd_mh_slot(addr, port, HD_MH_HASH1, 0, HD_MH_SIZE);
    long dest = mh_entry(svc, ihash);
    if (dest < 0)
        return -1;
    if ((*out = usable(dest)))
        return dest;
    if (!(svc->flags & SVC_MH_FALLBACK))
        return -1;
    for (__u32 offset = 0; offset < MH_WALK; offset++) {
        __u32 roffset = (offset + ihash) % HD_MH_SIZE;
        dest = mh_entry(svc, hd_mh_slot(addr, port, HD_MH_HASH1, roffset, HD_MH_SIZE));
        if (dest < 0)
            return -1;
        if ((*out = usable(dest)))
            return dest;
    }
    return -1;
}

/*
 * ip_vs_sh_schedule: the source's bucket, and with sh-fallback the walk on to a usable server
 * (ip_vs_sh_get_fallback; its first MH_WALK steps here, Java takes the rest). -1: Java's.
 */
static __always_inline long sh_pick(struct svc_val *svc, struct conn_key *key, struct server **out)
{
    __u32 addr = source_folded(key);
    __u32 port = svc->flags & SVC_MH_PORT ? bpf_ntohs(key->sport) : 0;
    __u32 ihash = hd_sh_bucket(addr, port, 0);
    long dest = mh_entry(svc, ihash);
    if (dest < 0)
        return -1;
    if ((*out = usable(dest)))
        return dest;
    if (!(svc->flags & SVC_MH_FALLBACK))
        return -1;
    for (__u32 offset = 0; offset < MH_WALK; offset++) {
        dest = mh_entry(svc, hd_sh_bucket(addr, port, (offset + ihash) % HD_SH_SIZE));
        if (dest < 0)
            return -1;
        if ((*out = usable(dest)))
            return dest;
    }
    return -1;
}

/*
 * A miss: a frame of an mh or sh service the program may place is placed by the kernel's mh and
 * forwarded, its connection put in the map and told to Java; anything else is Java's.
 */
static __always_inline int place(struct xdp_md *ctx, struct conn_key *key, __u8 flags)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return count(C_PASS_TRUNCATED, XDP_PASS);
    struct svc_key sk = {};
    __builtin_memcpy(sk.daddr, key->daddr, 16);
    sk.dport = key->dport;
    sk.proto = key->proto;
    sk.family = key->family;
    struct svc_val *svc = bpf_map_lookup_elem(&services, &sk);
    /* a SYN is a new connection, scheduled by Java with its counts; a FIN or RST moves a state */
    if (!svc || (flags & (TCP_SYN | TCP_FIN | TCP_RST)))
        return count(C_PASS_MISS, XDP_PASS);
    struct server *srv = 0;
    long dest = svc->flags & SVC_SH ? sh_pick(svc, key, &srv) : mh_pick(svc, key, &srv);
    if (dest < 0 || !srv || !srv->mac_known)
        return count(C_PASS_UNPLACED, XDP_PASS);
    __u32 zero = 0;
    struct xdp_config *cfg = bpf_map_lookup_elem(&config, &zero);
    if (!cfg)
        return count(C_PASS_MISS, XDP_PASS);
    struct placed_event *ev = bpf_ringbuf_reserve(&placed, sizeof(*ev), 0);
    if (!ev)
        return count(C_PASS_RING_FULL, XDP_PASS);
    __u64 len = (__u64)(end - data);
    struct conn_val v = {};
    __builtin_memcpy(v.dmac, srv->dmac, ETH_ALEN);
    v.flags_seen = flags;
    v.last_flags = flags;
    v.dest = dest;
    v.packets = 1;
    v.bytes = len;
    v.last_ns = bpf_ktime_get_coarse_ns();
    bpf_map_update_elem(&conns, key, &v, BPF_NOEXIST);
    __builtin_memcpy(&ev->key, key, sizeof(*key));
    ev->dest = dest;
    ev->flags = flags;
    ev->pad[0] = ev->pad[1] = ev->pad[2] = 0;
    ev->bytes = len;
    bpf_ringbuf_submit(ev, 0);
    struct dest_stats *ds = bpf_map_lookup_elem(&dests, &v.dest);
    if (ds) {
        ds->packets += 1;
        ds->bytes += len;
    }
    __builtin_memcpy(eth->h_dest, srv->dmac, ETH_ALEN);
    __builtin_memcpy(eth->h_source, cfg->mac, ETH_ALEN);
    return count(C_PLACED, XDP_TX);
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
        return place(ctx, &key, flags);
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
