package org.hadirector.director.lab;

/**
 * {@link ConnectionSyncFailoverTest} with both directors on the XDP dataplane: 20 keep-alive
 * connections, each synced by director1 at its third packet and then forwarded by its program,
 * continue through director2 after director1's link goes down, director2's program taking each
 * one over from its first packet there.
 */
class XdpSyncFailoverLabTest extends ConnectionSyncFailoverTest {
    @Override
    boolean xdp() {
        return true;
    }
}
