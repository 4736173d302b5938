package org.hadirector.ipvs.dr;

import org.hadirector.ipvs.TcpState;

/**
 * IPVS's TCP state table for connections it sees in one direction only (the INPUT-ONLY part of
 * tcp_states in the kernel's ip_vs_proto_tcp.c): in direct routing the replies bypass the
 * director, so the state follows the client's segments alone.
 */
final class TcpInputOnly {
    private static final int NO = 0;
    private static final int ES = 1;
    private static final int SS = 2;
    private static final int SR = 3;
    private static final int FW = 4;
    private static final int TW = 5;
    private static final int CL = 6;
    private static final int CW = 7;
    private static final int LA = 8;
    private static final int LI = 9;
    private static final int SA = 10;

    /** Rows syn, fin, ack, rst; columns the current state NO..SA. */
    private static final int[][] NEXT = {
        {SA, ES, ES, SR, SA, SA, SA, SA, SA, SA, SA},
        {CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW},
        {CL, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES},
        {CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL},
    };

    static final int SYN = 0x02;
    static final int FIN = 0x01;
    static final int RST = 0x04;
    static final int ACK = 0x10;

    private TcpInputOnly() {}

    /** The next state after a client segment with these flags (tcp_state_idx: rst, syn, fin, ack). */
    static int next(int state, int tcpFlags) {
        int row;
        if ((tcpFlags & RST) != 0) {
            row = 3;
        } else if ((tcpFlags & SYN) != 0) {
            row = 0;
        } else if ((tcpFlags & FIN) != 0) {
            row = 1;
        } else if ((tcpFlags & ACK) != 0) {
            row = 2;
        } else {
            // The kernel's "goto tcp_state_out" with new_state left at CLOSE.
            return TcpState.CLOSE.code();
        }
        return NEXT[row][state];
    }
}
