package io.baton.emulator;

import io.baton.emulator.Stored.Att;
import io.baton.emulator.Stored.Due;
import io.baton.emulator.Stored.Tsk;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Random;

import static io.baton.digdag.client.Task.RUNNING;

/**
 * The automatic drive at work: gives every running operator task a due time from the {@link AutoDrive} (and whether
 * it fails) and ends it through the {@link TaskMachine} when the emulator's clock reaches it. Inactive on the manual
 * drive. Called under the state's lock.
 */
final class AutoDriveScheduler {

    private final TaskMachine machine;
    private AutoDrive auto;
    private Random random;
    private final PriorityQueue<Due> due = new PriorityQueue<>(Comparator.comparing(Due::at));

    AutoDriveScheduler(TaskMachine machine) {
        this.machine = machine;
    }

    /** From now on tasks that start running end by themselves (hand over those running already). */
    void start(AutoDrive drive) {
        auto = drive;
        random = new Random(drive.seed());
        due.clear();
    }

    /** Back to the manual drive. */
    void stop() {
        auto = null;
        due.clear();
    }

    /** Forgets the due tasks, whose attempts are gone; the drive stays as it is. */
    void clear() {
        due.clear();
    }

    /** A task started running: on the automatic drive, it ends at its due time. */
    void running(Att attempt, Tsk task) {
        if (auto != null) {
            schedule(attempt, task);
        }
    }

    /** Ends the tasks whose due time is not after {@code now}, each at its due time. */
    void tick(Instant now) {
        while (!due.isEmpty() && !due.peek().at().isAfter(now)) {
            Due next = due.poll();
            if (RUNNING.equals(next.task().state)) {
                machine.at(next.at(), () -> {
                    machine.finish(next.attempt(), next.task(), next.fail() ? "emulated random failure" : null);
                    return null;
                });
            }
        }
    }

    private void schedule(Att attempt, Tsk task) {
        Duration length = Objects.requireNonNullElse(task.duration, auto.taskDuration());
        if (!auto.jitter().isZero()) {
            length = length.plusNanos((long) (random.nextDouble() * auto.jitter().toNanos()));
        }
        due.add(new Due(machine.instant().plus(length), attempt, task, random.nextDouble() < auto.failureRate()));
    }
}
