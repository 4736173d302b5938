// SPDX-License-Identifier: GPL-2.0
/*
 * A test program for Bpf.RingBuffer, run by RingBufferBpfTest with BPF_PROG_TEST_RUN (never
 * attached): each run submits the frame's first 16 bytes as one record to the ring buffer
 * "events" (XDP_PASS), or XDP_DROP when the buffer has no room.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct hd_map_def {
    __u32 type;
    __u32 key_size;
    __u32 value_size;
    __u32 max_entries;
    __u32 map_flags;
};

struct hd_map_def SEC("maps") events = {
    .type = BPF_MAP_TYPE_RINGBUF,
    .max_entries = 16384,
};

struct event {
    __u64 words[2];
};

SEC("xdp")
int ringbuf_selftest(struct xdp_md *ctx)
{
    struct event *in = (void *)(long)ctx->data;
    struct event e;

    if ((void *)(in + 1) > (void *)(long)ctx->data_end)
        return XDP_ABORTED;
    __builtin_memcpy(&e, in, sizeof(e));
    return bpf_ringbuf_output(&events, &e, sizeof(e), 0) == 0 ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
