package io.baton.bench;

import io.baton.emulator.AutoDrive;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.EmulatorOptions;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The benchmark's two Digdag emulators, in automatic mode: the one Baton watches, and an identical one that the
 * per-rule pollers of the baseline poll, so each side's requests are counted apart in the same run; and the several
 * Digdag servers of the many-servers benchmark.
 */
final class BenchEmulators {

    /** Tasks take their own duration, or 1 s, plus up to 9 s: completions spread evenly over poll cycles. */
    static final AutoDrive DRIVE = AutoDrive.tasksTake(Duration.ofSeconds(1)).withJitter(Duration.ofSeconds(9));

    private static DigdagEmulator watched;
    private static DigdagEmulator polled;
    private static List<DigdagEmulator> several;

    private BenchEmulators() {
    }

    static synchronized DigdagEmulator watched() {
        if (watched == null) {
            watched = start();
        }
        return watched;
    }

    static synchronized DigdagEmulator polled() {
        if (polled == null) {
            polled = start();
        }
        return polled;
    }

    /** {@code count} more emulators in manual mode (tests drive them), started once; the first call sets the count. */
    static synchronized List<DigdagEmulator> several(int count) {
        if (several == null) {
            several = IntStream.range(0, count).mapToObj(i -> DigdagEmulator.start(EmulatorOptions.defaults())).toList();
        }
        return several;
    }

    private static DigdagEmulator start() {
        DigdagEmulator emulator = DigdagEmulator.start(EmulatorOptions.defaults());
        emulator.automatic(DRIVE);
        return emulator;
    }
}
