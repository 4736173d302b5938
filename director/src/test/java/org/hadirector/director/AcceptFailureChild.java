package org.hadirector.director;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The process {@link AcceptFailureTest} starts with a low descriptor limit: it serves the HTTP
 * endpoint and a control socket, and on its commands (one a line on stdin) fills its descriptor
 * table until open() fails with EMFILE (FILL), frees it (FREE), prints both servers' counters
 * (STATS) or exits (EXIT).
 */
public final class AcceptFailureChild {
    private AcceptFailureChild() {}

    public static void main(String[] args) throws Exception {
        Path sock = Path.of(args[0]).resolve("c.sock");
        ControlServer control = new ControlServer(sock, r -> ControlAnswer.text("ok " + r + "\n"));
        HttpEndpoint http = HttpEndpoint.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new ControlCommands(new Director(null)),
                () -> List.of(control.stats()));
        // Every class a request needs is loaded before the table is full.
        ControlServer.request(sock, "warm-up");
        ClientMix.exchange(new InetSocketAddress("127.0.0.1", http.port()), HttpEndpointTest.GET, 10_000);
        System.out.println("READY " + http.port());
        List<FileChannel> filler = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line; (line = in.readLine()) != null; ) {
            switch (line) {
                case "FILL" -> {
                    String why = "";
                    while (filler.size() < 100_000) {
                        try {
                            filler.add(FileChannel.open(Path.of("/dev/null")));
                        } catch (IOException e) {
                            why = e.getMessage();
                            break;
                        }
                    }
                    System.out.println("FULL " + filler.size() + " " + why);
                }
                case "FREE" -> {
                    for (FileChannel f : filler) {
                        f.close();
                    }
                    filler.clear();
                    System.out.println("FREED");
                }
                case "STATS" -> System.out.println("STATS " + http.stats() + " " + control.stats());
                case "EXIT" -> {
                    http.close();
                    control.close();
                    System.out.println("BYE");
                    System.exit(0);
                }
                default -> System.out.println("? " + line);
            }
        }
    }
}
