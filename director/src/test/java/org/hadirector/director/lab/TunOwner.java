package org.hadirector.director.lab;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.hadirector.sys.TunDevice;

/**
 * The announcing process of the lab tests, until the daemon owns the TUN itself: opens the TUN
 * {@code args[0]}, puts the VIPs {@code args[1..]} on it, prints "ready", then obeys lines on
 * stdin ("add ADDR", "remove ADDR"), answering "ok ..." or "error ...". At end of input it closes
 * the device; killed, the kernel does.
 */
public final class TunOwner {
    private TunOwner() {}

    public static void main(String[] args) throws Exception {
        try (TunDevice tun = TunDevice.open(args[0])) {
            for (int i = 1; i < args.length; i++) {
                tun.add(InetAddress.getByName(args[i]));
            }
            System.out.println("ready " + tun.name() + " " + tun.addresses());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            for (String line; (line = in.readLine()) != null; ) {
                String[] w = line.strip().split("\\s+");
                try {
                    if (w.length == 2 && w[0].equals("add")) {
                        tun.add(InetAddress.getByName(w[1]));
                    } else if (w.length == 2 && w[0].equals("remove")) {
                        tun.remove(InetAddress.getByName(w[1]));
                    } else {
                        System.out.println("error unknown command: " + line);
                        continue;
                    }
                    System.out.println("ok " + line + " " + tun.addresses());
                } catch (Exception e) {
                    System.out.println("error " + line + ": " + e.getMessage());
                }
            }
        }
    }
}
