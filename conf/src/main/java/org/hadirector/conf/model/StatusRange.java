package org.hadirector.conf.model;

/** An HTTP status code range, inclusive: 200-299, or 503-503. */
public record StatusRange(int from, int to) {

    public boolean contains(int status) {
        return status >= from && status <= to;
    }

    @Override
    public String toString() {
        return from == to ? Integer.toString(from) : from + "-" + to;
    }
}
