package org.hadirector.healthcheck;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx for tests, in the foreground as one process (no master), with everything under
 * {@code dir}, listening on loopback ports only. {@link #start} waits (bounded) until the first
 * listen port accepts.
 */
final class Nginx implements AutoCloseable {
    private final Path dir;
    private final String servers;
    private final int readyPort;
    private Process process;

    /** {@code servers}: the server blocks of the http block. */
    Nginx(Path dir, String servers, int readyPort) {
        this.dir = dir;
        this.servers = servers;
        this.readyPort = readyPort;
    }

    Path dir() {
        return dir;
    }

    void start() throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("html"));
        Files.createDirectories(dir.resolve("tmp"));
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/tmp;
                    proxy_temp_path %1$s/tmp;
                    fastcgi_temp_path %1$s/tmp;
                    uwsgi_temp_path %1$s/tmp;
                    scgi_temp_path %1$s/tmp;
                    default_type text/plain;
                %2$s
                }
                """.formatted(dir, servers));
        process = new ProcessBuilder("nginx", "-p", dir.toString(), "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("nginx exited with " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("stdout.log")) + readLog());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", readyPort), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        close();
        throw new IOException("nginx did not listen on 127.0.0.1:" + readyPort + " within 10 s" + readLog());
    }

    private String readLog() {
        try {
            return Files.readString(dir.resolve("error.log"));
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
