package org.hadirector.conf.model;

/**
 * FILE_CHECK: follows track_file {@code trackFile}; {@code weight} (null: the track_file's weight
 * and reverse) multiplies the file's number.
 */
public record FileCheck(String trackFile, Integer weight, boolean reverse) implements Checker {

    @Override
    public String type() {
        return "FILE_CHECK";
    }
}
