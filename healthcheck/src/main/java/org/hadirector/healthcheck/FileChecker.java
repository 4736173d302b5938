package org.hadirector.healthcheck;

import java.util.OptionalLong;
import java.util.function.Consumer;
import org.hadirector.sys.WatchedFile;

/**
 * FILE_CHECK: follows a track_file's number (read and watched by {@link WatchedFile}, as VRRP's
 * track_file is) under {@link FileCheckRules}. It is not scheduled: the service asks for
 * {@link #current()} when the pool starts and again each time the file changes. Its thread
 * safety is the watched file's: {@link #current()} makes no file system call after the first.
 */
final class FileChecker implements Probe {
    private final CheckSettings.File settings;
    private final WatchedFile file;
    /** The last value keepalived would have taken (an out-of-range number leaves it). */
    private long value;

    FileChecker(CheckSettings.File settings) {
        this.settings = settings;
        this.file = new WatchedFile(settings.path());
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    /** {@code r} runs (on the watching thread) after each change of the file. */
    void onChange(Runnable r) {
        file.onChange(r);
    }

    /** What the file says now; the first call reads it (and starts watching it). */
    synchronized ProbeResult current() {
        String text = file.text();
        OptionalLong v = FileCheckRules.value(text);
        String read = text == null ? "missing or unreadable (0)" : v.isPresent() ? "value " + v.getAsLong() : null;
        if (v.isPresent()) {
            value = v.getAsLong();
        } else {
            read = "not a number in range (ignored; still " + value + ")";
        }
        FileCheckRules.Verdict d = FileCheckRules.verdict(value, settings.weight(), settings.reverse());
        String why = read + (settings.weight() != 0 && d.up() ? ", adds " + d.addedWeight() + " to the weight" : "");
        return new ProbeResult(d.up(), why, null, d.up() ? d.addedWeight() : 0L);
    }

    @Override
    public AutoCloseable run(Consumer<ProbeResult> done) {
        done.accept(current());
        return () -> {};
    }

    void close() {
        file.close();
    }
}
