package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalLong;
import org.hadirector.healthcheck.FileCheckRules.Verdict;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.junit.jupiter.api.Test;

/** FILE_CHECK's rules as keepalived 2.2.7's track_file.c applies them to a checker, and the pool's weight. */
class FileCheckRulesTest {
    static final long S = 1_000_000_000L;

    @Test
    void theTextReadsAsStrtolAndWhatIsMissingOrNotANumberAsZero() {
        assertEquals(OptionalLong.of(0), FileCheckRules.value(null), "missing or unreadable");
        assertEquals(OptionalLong.of(0), FileCheckRules.value(""), "empty");
        assertEquals(OptionalLong.of(0), FileCheckRules.value("up\n"), "not a number");
        assertEquals(OptionalLong.of(42), FileCheckRules.value(" 42 trailing\n"));
        assertEquals(OptionalLong.of(-7), FileCheckRules.value("-7"));
        assertEquals(OptionalLong.of(16), FileCheckRules.value("0x10"));
        assertEquals(OptionalLong.of(8), FileCheckRules.value("010"));
        assertEquals(OptionalLong.of(300), FileCheckRules.value("300"), "not clamped to 254 as VRRP's priority is");
        assertEquals(OptionalLong.of(2147483648L), FileCheckRules.value("2147483648"), "INT32_MAX + 1 still taken");
        assertEquals(OptionalLong.of(-2147483648L), FileCheckRules.value("-2147483648"));
        assertEquals(OptionalLong.empty(), FileCheckRules.value("2147483649"), "beyond: ignored");
        assertEquals(OptionalLong.empty(), FileCheckRules.value("-2147483649"));
        assertEquals(OptionalLong.empty(), FileCheckRules.value("99999999999999999999999"), "strtol's ERANGE");
    }

    @Test
    void weightZeroIsASwitchZeroUpOtherwiseDownAndReverseTheOtherWayRound() {
        assertEquals(new Verdict(true, 0), FileCheckRules.verdict(0, 0, false));
        assertEquals(new Verdict(false, 0), FileCheckRules.verdict(1, 0, false));
        assertEquals(new Verdict(false, 0), FileCheckRules.verdict(-5, 0, false));
        assertEquals(new Verdict(false, 0), FileCheckRules.verdict(0, 0, true));
        assertEquals(new Verdict(true, 0), FileCheckRules.verdict(3, 0, true));
    }

    @Test
    void aWeightMultipliesTheValueIntoWhatTheCheckerAddsAndOnlyTheFaultValueIsDown() {
        assertEquals(new Verdict(true, 30), FileCheckRules.verdict(3, 10, false));
        assertEquals(new Verdict(true, -30), FileCheckRules.verdict(3, 10, true), "reverse: times -1");
        assertEquals(new Verdict(true, -30), FileCheckRules.verdict(-3, 10, false));
        assertEquals(new Verdict(true, 0), FileCheckRules.verdict(0, 10, false), "0 adds nothing, and is up");
        assertEquals(
                new Verdict(true, Integer.MAX_VALUE),
                FileCheckRules.verdict(2147483648L, 2, false),
                "kept within an int, as weight_range does");
        assertEquals(new Verdict(false, 0), FileCheckRules.verdict(-2147483648L, 1, false), "IPVS_WEIGHT_FAULT: down");
        assertEquals(new Verdict(false, 0), FileCheckRules.verdict(1000, -3000000, false), "beyond it too");
        assertEquals(
                new Verdict(true, -2147483647L),
                FileCheckRules.verdict(-2147483647L, 1, false),
                "one above the fault value is up");
    }

    @Test
    void theServersWeightIsItsOwnPlusWhatItsFileCheckersAddWithinZeroAndIntMax() {
        assertEquals(13, FileCheckRules.serverWeight(10, 3));
        assertEquals(0, FileCheckRules.serverWeight(10, -30), "never below 0: the server stays, weight 0");
        assertEquals(Integer.MAX_VALUE, FileCheckRules.serverWeight(10, Integer.MAX_VALUE));
    }

    private static ServiceSpec pool(int weight, int checks) {
        List<CheckSpec> cs = new java.util.ArrayList<>();
        for (int i = 0; i < checks; i++) {
            cs.add(new CheckSpec(
                    new CheckSettings.File("tf" + i, java.nio.file.Path.of("/nonexistent/tf" + i), 1, false),
                    new CheckTiming(S, 0, 0, S, 0, false, false)));
        }
        return new ServiceSpec(
                ServiceId.parse("TCP 198.18.0.100:80"),
                0,
                0,
                null,
                false,
                null,
                null,
                List.of(new RealServerSpec(RealServerId.parse("198.18.0.21:80"), weight, false, null, null, cs)));
    }

    @Test
    void aPoolAddsEachUpFileCheckersWeightAndDropsItWhenTheCheckerGoesDown() {
        ServicePool p = new ServicePool(pool(10, 2), null, new long[][] {{5, 0}});
        assertEquals(15, p.weight(0), "started with the file's value");
        assertEquals(
                List.of(new HealthEvent(
                        ServiceId.parse("TCP 198.18.0.100:80"),
                        RealServerId.parse("198.18.0.21:80"),
                        HealthEvent.Kind.WEIGHT,
                        17,
                        "file")),
                p.onChecker(0, 1, true, null, 2L, "file").ops(),
                "the second file adds 2");
        ServicePool.Update down = p.onChecker(0, 0, false, null, 0L, "file");
        assertEquals(HealthEvent.Kind.REMOVE, down.ops().get(0).kind());
        assertFalse(down.serverUp());
        ServicePool.Update up = p.onChecker(0, 0, true, null, -20L, "file");
        assertTrue(up.serverUp());
        assertEquals(
                new HealthEvent(
                        ServiceId.parse("TCP 198.18.0.100:80"),
                        RealServerId.parse("198.18.0.21:80"),
                        HealthEvent.Kind.ADD,
                        0,
                        "file"),
                up.ops().get(0),
                "10 + 2 - 20: weight 0, in the table");
    }

    @Test
    void aFileCheckersStateChangesAtOnce() {
        // the mapper's nominal timing: retry 0, so one failure is down and one success up
        CheckerState c = new CheckTiming(S, 0, 0, S, 0, false, false).newState();
        assertEquals(CheckerState.Change.DOWN, c.onResult(false, 0));
        assertEquals(CheckerState.Change.UP, c.onResult(true, 1));
    }
}
