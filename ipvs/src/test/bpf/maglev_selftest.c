// SPDX-License-Identifier: GPL-2.0
/*
 * A test program for maglev.h, run by MaglevHashBpfTest with BPF_PROG_TEST_RUN (never attached):
 * the "frame" holds the inputs, and the program writes its answers over the frame's tail, which
 * the test reads back and compares with Java's SipHash / MaglevScheduler.
 *   in:  u32 addr, u32 port, u32 offset, u32 modulo, u64 key  (bytes 0-23, host order)
 *   out: u32 hd_hsiphash32(offset + port + addr, key), u32 hd_mh_slot(...)  (bytes 24-31)
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maglev.h"

struct selftest {
    __u32 addr;
    __u32 port;
    __u32 offset;
    __u32 modulo;
    __u64 key;
    __u32 hash;
    __u32 slot;
};

SEC("xdp")
int maglev_selftest(struct xdp_md *ctx)
{
    struct selftest *t = (void *)(long)ctx->data;

    if ((void *)(t + 1) > (void *)(long)ctx->data_end || t->modulo == 0)
        return XDP_ABORTED;
    t->hash = hd_hsiphash32(t->offset + t->port + t->addr, t->key);
    t->slot = hd_mh_slot(t->addr, t->port, t->key, t->offset, t->modulo);
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
