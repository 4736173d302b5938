package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CommandLineTest {
    @Test
    void theXdpDataplaneIsRefusedByNameUntilItIsBuilt() {
        CommandLine.UsageException e = assertThrows(
                CommandLine.UsageException.class,
                () -> CommandLine.parse(new String[] {"-f", "x.conf", "--dataplane", "xdp"}));
        assertTrue(e.getMessage().contains("--dataplane xdp is not built yet"), e.getMessage());
        CommandLine.UsageException other = assertThrows(
                CommandLine.UsageException.class,
                () -> CommandLine.parse(new String[] {"-f", "x.conf", "--dataplane", "dpdk"}));
        assertTrue(other.getMessage().contains("takes auto, kernel or userspace"), other.getMessage());
    }
}
