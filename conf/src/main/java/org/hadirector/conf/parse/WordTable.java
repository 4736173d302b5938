package org.hadirector.conf.parse;

/**
 * Shares one String per distinct short word of a load, found from a region of the line without
 * first cutting the region out: a large configuration repeats the same few hundred words
 * (keywords, addresses, numbers) hundreds of thousands of times.
 */
final class WordTable {
    private static final int MAX_SHARED_LENGTH = 24;
    private static final int MAX_ENTRIES = 1 << 20;

    private String[] slots = new String[1 << 12];
    private int size;

    /** The word {@code s[from, to)}, shared when short. */
    String word(String s, int from, int to) {
        int len = to - from;
        if (len > MAX_SHARED_LENGTH || size >= MAX_ENTRIES) {
            return s.substring(from, to);
        }
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + s.charAt(i);
        }
        int mask = slots.length - 1;
        int i = mix(h) & mask;
        while (true) {
            String w = slots[i];
            if (w == null) {
                w = s.substring(from, to);
                slots[i] = w;
                if (++size * 2 > slots.length) {
                    grow();
                }
                return w;
            }
            if (w.length() == len && s.regionMatches(from, w, 0, len)) {
                return w;
            }
            i = (i + 1) & mask;
        }
    }

    /** Shares an already built word (from a quoted string). */
    String word(String w) {
        return word(w, 0, w.length());
    }

    private static int mix(int h) {
        return h ^ (h >>> 16);
    }

    private void grow() {
        String[] old = slots;
        slots = new String[old.length * 2];
        int mask = slots.length - 1;
        for (String w : old) {
            if (w != null) {
                int i = mix(w.hashCode()) & mask;
                while (slots[i] != null) {
                    i = (i + 1) & mask;
                }
                slots[i] = w;
            }
        }
    }
}
