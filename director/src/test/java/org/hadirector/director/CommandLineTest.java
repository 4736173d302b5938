package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CommandLineTest {
    @Test
    void theDataplaneIsOneOfFour() throws Exception {
        assertEquals(
                org.hadirector.ipvs.Dataplanes.Choice.XDP,
                CommandLine.parse(new String[] {"-f", "x.conf", "--dataplane", "xdp"})
                        .dataplane());
        CommandLine.UsageException other = assertThrows(
                CommandLine.UsageException.class,
                () -> CommandLine.parse(new String[] {"-f", "x.conf", "--dataplane", "dpdk"}));
        assertTrue(other.getMessage().contains("takes auto, kernel, userspace or xdp"), other.getMessage());
    }
}
