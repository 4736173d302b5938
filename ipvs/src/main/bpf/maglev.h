/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's mh and sh schedulers' hashing (net/netfilter/ipvs/ip_vs_mh.c, ip_vs_sh.c) for the XDP program, so
 * that a flow the program places lands where Java's MaglevScheduler (and the kernel) would put
 * it: hsiphash as lib/siphash.c computes it on 64-bit kernels (SipHash-1-3 over one u32, the key
 * {k, k}, truncated to 32 bits), and the slot of (address, port) in a table of `modulo` slots.
 * Java's twins: org.hadirector.ipvs.sched.SipHash.hsiphash32 and MaglevScheduler.slot; the
 * test program maglev_selftest.c checks the two agree.
 */
#ifndef HD_MAGLEV_H
#define HD_MAGLEV_H

#include <linux/types.h>

/* IP_VS_MH_TAB_SIZE at CONFIG_IP_VS_MH_TAB_INDEX 12, and ip_vs_mh.c's two fixed hash keys */
#define HD_MH_SIZE 4093
#define HD_MH_HASH1 2654435761ULL
#define HD_MH_HASH2 2654446892ULL

#define HD_ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define HD_SIPROUND(v0, v1, v2, v3) \
    do { \
        v0 += v1; v1 = HD_ROTL64(v1, 13); v1 ^= v0; v0 = HD_ROTL64(v0, 32); \
        v2 += v3; v3 = HD_ROTL64(v3, 16); v3 ^= v2; \
        v0 += v3; v3 = HD_ROTL64(v3, 21); v3 ^= v0; \
        v2 += v1; v1 = HD_ROTL64(v1, 17); v1 ^= v2; v2 = HD_ROTL64(v2, 32); \
    } while (0)

/* hsiphash_1u32(value, {key, key}) on a 64-bit kernel */
static __always_inline __u32 hd_hsiphash32(__u32 value, __u64 key)
{
    __u64 v0 = 0x736f6d6570736575ULL ^ key;
    __u64 v1 = 0x646f72616e646f6dULL ^ key;
    __u64 v2 = 0x6c7967656e657261ULL ^ key;
    __u64 v3 = 0x7465646279746573ULL ^ key;
    __u64 m = (4ULL << 56) | value; /* the length (4 bytes) in the last word's top byte */

    v3 ^= m;
    HD_SIPROUND(v0, v1, v2, v3);
    v0 ^= m;
    v2 ^= 0xff;
    HD_SIPROUND(v0, v1, v2, v3);
    HD_SIPROUND(v0, v1, v2, v3);
    HD_SIPROUND(v0, v1, v2, v3);
    return (__u32)(v0 ^ v1 ^ v2 ^ v3);
}

/*
 * ip_vs_mh_hashkey modulo a table size: addr is the folded address in host order (IPv4:
 * ntohl(saddr)), port the source port in host order (0 unless the service hashes ports).
 */
static __always_inline __u32 hd_mh_slot(__u32 addr, __u32 port, __u64 key, __u32 offset, __u32 modulo)
{
    return hd_hsiphash32(offset + port + addr, key) % modulo;
}

/* IP_VS_SH_TAB_SIZE (IP_VS_SH_TAB_BITS 8) and GOLDEN_RATIO_32 of linux/hash.h */
#define HD_SH_SIZE 256
#define HD_GOLDEN_RATIO_32 0x61C88647U

/*
 * ip_vs_sh_hashkey: (offset + hash_32(port + addr, 8)) % 256, addr the folded address and port
 * the source port, both in host order (port 0 unless sh-port). Java's twin: HashSchedulers.Sh.key.
 */
static __always_inline __u32 hd_sh_bucket(__u32 addr, __u32 port, __u32 offset)
{
    return (offset + (((port + addr) * HD_GOLDEN_RATIO_32) >> (32 - 8))) & (HD_SH_SIZE - 1);
}

#endif
