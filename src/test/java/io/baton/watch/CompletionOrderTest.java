package io.baton.watch;

import io.baton.digdag.client.Task;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The order in which a task list's completions are published, without Quarkus. */
@Tag("unit")
class CompletionOrderTest {

    private static final Instant T = Instant.parse("2026-11-24T00:00:10Z");

    private static Task task(String id, String fullName, String parentId, Instant updatedAt) {
        return new Task(id, fullName, parentId, null, List.of(), Task.SUCCESS, false, null, null, null, updatedAt,
                null, null, null, parentId == null);
    }

    private static List<String> order(Task... tasks) {
        return TaskDiff.inCompletionOrder(List.of(tasks)).stream().map(Task::fullName).toList();
    }

    @Test
    void earlierUpdatesComeFirst() {
        assertThat(order(task("3", "+wf+late", "1", T.plusSeconds(5)), task("2", "+wf+early", "1", T),
                task("1", "+wf", null, T.plusSeconds(6)))).containsExactly("+wf+early", "+wf+late", "+wf");
    }

    @Test
    void withinOneSecondChildrenPrecedeTheirParentAndSiblingsKeepTheirOrder() {
        // Digdag stores seconds only: a group and its last children often share one.
        assertThat(order(task("1", "+wf", null, T), task("2", "+wf+group", "1", T),
                task("3", "+wf+group+a", "2", T), task("4", "+wf+group+b", "2", T), task("5", "+wf+after", "1", T)))
                .containsExactly("+wf+group+a", "+wf+group+b", "+wf+group", "+wf+after", "+wf");
    }

    @Test
    void unfinishedTasksAndOrphansGoLast() {
        assertThat(order(task("4", "+wf+orphan", "99", T), task("1", "+wf", null, null), task("2", "+wf+a", "1", T),
                task("3", "+wf+b", "1", null))).containsExactly("+wf+a", "+wf+orphan", "+wf+b", "+wf");
    }
}
