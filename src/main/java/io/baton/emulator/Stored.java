package io.baton.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.baton.digdag.client.Task;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.baton.digdag.client.Task.BLOCKED;

/**
 * What the emulator's store holds, as mutable objects under the state's lock: projects, workflows, sessions, attempts
 * and their tasks. {@link EmulatorViews} turns them into Digdag's answers.
 */
final class Stored {

    private Stored() {
    }

    /** A session is one per project, workflow and session time. */
    record SessionKey(long projectId, String workflowName, Instant sessionTime) {
    }

    /** A task due at a time: the automatic drive's end of it ({@code fail} or not), or the end of a retry's wait. */
    record Due(Instant at, Att attempt, Tsk task, boolean fail) {
    }

    static final class Proj {
        final long id;
        final String name;
        final Instant createdAt;
        Instant updatedAt;
        final String archiveMd5;
        final Map<String, Wf> workflows = new LinkedHashMap<>();
        final Map<String, String> secrets = new HashMap<>();

        Proj(long id, String name, Instant createdAt, String archiveMd5) {
            this.id = id;
            this.name = name;
            this.createdAt = createdAt;
            this.updatedAt = createdAt;
            this.archiveMd5 = archiveMd5;
        }
    }

    record Wf(long id, Proj project, String name, String timezone, WorkflowSpec spec) {
    }

    static final class Sess {
        final long id;
        final Proj project;
        final String workflowName;
        final UUID uuid = UUID.randomUUID();
        final OffsetDateTime sessionTime;
        final List<Att> attempts = new ArrayList<>();
        Wf workflow;

        Sess(long id, Proj project, String workflowName, OffsetDateTime sessionTime) {
            this.id = id;
            this.project = project;
            this.workflowName = workflowName;
            this.sessionTime = sessionTime;
        }

        Att last() {
            return attempts.get(attempts.size() - 1);
        }

        Att attempt(String retryAttemptName) {
            return attempts.stream().filter(a -> retryAttemptName.equals(a.retryAttemptName)).findFirst().orElse(null);
        }
    }

    static final class Att {
        final long id;
        final int index;
        final Sess session;
        final Wf workflow;
        final String retryAttemptName;
        final JsonNode params;
        final Instant createdAt;
        final Instant createdExactlyAt;
        Instant finishedAt;
        boolean done;
        boolean success;
        boolean cancelRequested;
        final List<Tsk> tasks = new ArrayList<>();
        final Map<String, Tsk> byName = new HashMap<>();

        Att(long id, int index, Sess session, Wf workflow, String retryAttemptName, JsonNode params,
            Instant createdExactlyAt) {
            this.id = id;
            this.index = index;
            this.session = session;
            this.workflow = workflow;
            this.retryAttemptName = retryAttemptName;
            this.params = params;
            this.createdExactlyAt = createdExactlyAt;
            this.createdAt = createdExactlyAt.truncatedTo(ChronoUnit.SECONDS);
        }

        void add(Tsk task) {
            tasks.add(task);
            byName.put(task.fullName, task);
        }
    }

    static final class Tsk {
        final long id;
        final String fullName;
        final Tsk parent;
        /** The workflow's definition of the task; null for tasks Digdag generates ({@code ^} names). */
        final TaskSpec spec;
        final JsonNode config;
        final RetryPolicy retryPolicy;
        final boolean group;
        final Duration duration;
        final List<Tsk> upstreams = new ArrayList<>();
        final List<Tsk> children = new ArrayList<>();
        String state = BLOCKED;
        boolean cancelRequested;
        Instant updatedAt;
        Instant startedAt;
        Instant retryAt;
        int retryCount;
        /** Tries of an {@code http>} request that failed and were sent again ({@code retry: true}). */
        int requestRetries;
        Instant endedExactlyAt;
        JsonNode error = JsonNodeFactory.instance.objectNode();

        Tsk(long id, String fullName, Tsk parent, TaskSpec spec, JsonNode config, boolean group, Duration duration,
            Instant updatedAt) {
            this.id = id;
            this.fullName = fullName;
            this.parent = parent;
            this.spec = spec;
            this.config = config;
            this.retryPolicy = RetryPolicy.of(config.get("_retry"));
            this.group = group;
            this.duration = duration;
            this.updatedAt = updatedAt;
        }

        boolean isDone() {
            return Task.DONE_STATES.contains(state);
        }

        boolean hasAncestor(Tsk task) {
            for (Tsk p = parent; p != null; p = p.parent) {
                if (p == task) {
                    return true;
                }
            }
            return false;
        }
    }
}
