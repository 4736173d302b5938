package org.hadirector.director.lab;

/**
 * Every test of {@link UserspaceDrLabTest} (rr and wrr sequences, replies past the director,
 * sloppy_tcp on a flushed flow) on the XDP dataplane: the forwarder schedules each connection and
 * hands it to the XDP program once it is established; the program forwards the rest. The lab's
 * veth details as {@link Lab#xdpVeth} sets them.
 */
class XdpDrLabTest extends UserspaceDrLabTest {
    @Override
    boolean xdp() {
        return true;
    }
}
