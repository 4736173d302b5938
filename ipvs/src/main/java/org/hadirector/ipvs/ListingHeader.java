package org.hadirector.ipvs;

/**
 * The first line of an ipvsadm listing, "IP Virtual Server version 1.2.1 (size=4096)": the IPVS
 * version and the size of the connection hash table.
 */
public record ListingHeader(String version, int connectionTableSize) {

    /**
     * What a kernel reports by default; a dataplane that is not the kernel's shows it so that
     * scripts reading ipvsadm's output work.
     */
    public static final ListingHeader KERNEL_DEFAULT = new ListingHeader("1.2.1", 4096);
}
