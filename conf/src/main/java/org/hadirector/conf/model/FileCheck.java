package org.hadirector.conf.model;

/** FILE_CHECK: follows a track_file. */
public record FileCheck(String trackFile, boolean dynamic, Integer weight, boolean reverse) implements Checker {

    @Override
    public String type() {
        return "FILE_CHECK";
    }
}
