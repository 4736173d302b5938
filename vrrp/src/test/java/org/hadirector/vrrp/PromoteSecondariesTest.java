package org.hadirector.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sysctl goes on with the first instance that asks and back off with the last, only if it was off. */
class PromoteSecondariesTest {

    private static String value(Path root) throws Exception {
        return Files.readString(root.resolve("e0/promote_secondaries")).strip();
    }

    @Test
    void onWithTheFirstOffWithTheLastAndOnlyIfItWasOff(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("e0"));
        Files.writeString(root.resolve("e0/promote_secondaries"), "0\n");
        PromoteSecondaries a = new PromoteSecondaries(root, "VI_1");
        PromoteSecondaries b = new PromoteSecondaries(root, "VI_2");
        a.set("e0");
        a.set("e0"); // a restart asks again
        b.set("e0");
        assertEquals("1", value(root));
        a.restore();
        assertEquals("1", value(root), "VI_2 still needs it");
        b.restore();
        assertEquals("0", value(root), "back as it was");

        Files.writeString(root.resolve("e0/promote_secondaries"), "1\n");
        a.set("e0");
        a.restore();
        assertEquals("1", value(root), "an operator's own setting is left as it was");
    }
}
