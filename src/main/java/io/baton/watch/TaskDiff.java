package io.baton.watch;

import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.SessionTimes;
import io.baton.digdag.client.Task;
import io.baton.events.DigdagCompletion;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns what a Digdag server shows of an attempt into completions: the tasks that reached a done state since the last
 * look (snapshots compared by task id and state), and the attempt's own end.
 */
final class TaskDiff {

    private final DigdagClient client;

    TaskDiff(DigdagClient client) {
        this.client = client;
    }

    /**
     * Adds to {@code completions} the tasks that reached a done state since the last look, and keeps the new snapshot
     * in {@code f}. Tasks are told apart by id: a retried group lists each child again under the same full name, and
     * the first copy keeps its error for good.
     */
    void compare(FollowedAttempt f, List<Task> tasks, Instant now, List<DigdagCompletion> completions) {
        Map<String, String> previous = f.taskStates == null ? Map.of() : f.taskStates;
        boolean changed = f.taskStates == null;
        for (Task task : inCompletionOrder(tasks)) {
            // State saved before tasks were keyed by id names them by full name (which starts with '+').
            String before = previous.containsKey(task.id()) ? previous.get(task.id()) : previous.get(task.fullName());
            if (task.state().equals(before)) {
                continue;
            }
            changed = true;
            if (task.isDone()) {
                completions.add(completion(f.attempt, task, task.isCopiedInto(f.attempt) ? copiedFrom(f, task) : null));
            }
        }
        if (changed) {
            f.taskStates = statesOf(tasks);
            f.lastChange = now;
            f.dirty = true;
        }
    }

    /** The attempt's own completion. */
    DigdagCompletion ended(Attempt attempt) {
        return completion(attempt, null, null);
    }

    private DigdagCompletion completion(Attempt attempt, Task task, String copiedFrom) {
        OffsetDateTime sessionTime = attempt.sessionTime();
        return new DigdagCompletion(client.serverName(), attempt.project().name(), attempt.workflow().name(),
                task == null ? null : task.fullName(), task == null ? null : task.id(), attempt.id(),
                attempt.sessionId(), attempt.sessionUuid(), SessionTimes.format(sessionTime),
                sessionTime.toLocalDate(), task == null ? attempt.status() : task.state(), attempt.retryAttemptName(),
                task == null ? attempt.createdAt() : task.startedAt(),
                task == null ? attempt.finishedAt() : task.updatedAt(),
                client.baseUrl() + "/attempts/" + attempt.id(),
                task == null ? null : task.errorMessage(), copiedFrom);
    }

    /**
     * The earlier attempt of the session where a copied task really ran: the newest one holding a task of the same
     * name that started and ended at the copy's time. The session's attempts are read once per followed attempt; if
     * none matches (a copy's source is always there on a real server), the previous attempt is named.
     */
    private String copiedFrom(FollowedAttempt f, Task copy) {
        if (f.copySources == null) {
            f.copySources = new HashMap<>();
            List<Attempt> earlier = client.retries(f.attempt.id()).stream()
                    .filter(a -> a.index() < f.attempt.index())
                    .sorted(Comparator.comparingInt(Attempt::index).reversed())
                    .toList();
            for (Attempt attempt : earlier) {
                for (Task task : client.tasks(attempt.id())) {
                    if (task.startedAt() != null && Task.SUCCESS.equals(task.state())) {
                        f.copySources.putIfAbsent(copyKey(task), attempt.id());
                    }
                }
            }
            f.previousAttempt = earlier.isEmpty() ? null : earlier.get(0).id();
        }
        return f.copySources.getOrDefault(copyKey(copy), f.previousAttempt);
    }

    private static String copyKey(Task task) {
        return task.fullName() + "@" + task.updatedAt();
    }

    /**
     * Tasks in the order they can finish: by update time (seconds only), and within the same second children before
     * their parent and earlier siblings first (a post-order walk of the task tree).
     */
    static List<Task> inCompletionOrder(List<Task> tasks) {
        Map<String, List<Task>> children = new LinkedHashMap<>();
        List<Task> roots = new ArrayList<>();
        Comparator<Task> byId = Comparator.comparingLong(t -> Long.parseLong(t.id()));
        for (Task task : tasks.stream().sorted(byId).toList()) {
            if (task.parentId() == null) {
                roots.add(task);
            } else {
                children.computeIfAbsent(task.parentId(), k -> new ArrayList<>()).add(task);
            }
        }
        Map<String, Integer> postOrder = new HashMap<>();
        ArrayDeque<Task> stack = new ArrayDeque<>();
        Set<String> expanded = new HashSet<>();
        for (int r = roots.size() - 1; r >= 0; r--) {
            stack.push(roots.get(r));
        }
        while (!stack.isEmpty()) {
            Task top = stack.peek();
            List<Task> kids = children.getOrDefault(top.id(), List.of());
            if (!kids.isEmpty() && expanded.add(top.id())) {
                for (int k = kids.size() - 1; k >= 0; k--) {
                    stack.push(kids.get(k));
                }
            } else {
                stack.pop();
                postOrder.put(top.id(), postOrder.size());
            }
        }
        // Tasks whose parent is not in the list (should not happen) go last, by id.
        return tasks.stream().sorted(Comparator
                        .comparing((Task t) -> t.updatedAt() == null ? Instant.MAX : t.updatedAt())
                        .thenComparing(t -> postOrder.getOrDefault(t.id(), Integer.MAX_VALUE))
                        .thenComparing(byId))
                .toList();
    }

    /** Task id → state. */
    static Map<String, String> statesOf(List<Task> tasks) {
        Map<String, String> states = new LinkedHashMap<>();
        tasks.forEach(t -> states.put(t.id(), t.state()));
        return states;
    }
}
