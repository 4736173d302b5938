import org.hadirector.ipvs.xdp.XdpProgram;

/**
 * Lab only: attaches hadirector's XDP program, with an empty connection map (so it passes every
 * frame), to each interface named, in driver mode, and exits; the program stays attached until
 * the interface goes. Why: XDP_TX into a veth needs an XDP program on the veth's peer, so the lab
 * puts one on the switch's end of each director's veth when the directors run --dataplane xdp
 * (lab/drill with LAB_DATAPLANE=xdp). A real NIC needs nothing of the kind.
 * Usage (in the switch's namespace): java -cp hadirector.jar lab/XdpPeer.java IF...
 */
public final class XdpPeer {
    public static void main(String[] args) throws Exception {
        for (String ifname : args) {
            XdpProgram.attach(ifname, 16, XdpProgram.Mode.DRIVER); // not closed: closing detaches
            System.out.println("xdp peer program on " + ifname);
        }
    }
}
