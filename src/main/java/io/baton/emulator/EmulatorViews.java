package io.baton.emulator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.Project;
import io.baton.digdag.client.ProjectRef;
import io.baton.digdag.client.Session;
import io.baton.digdag.client.Task;
import io.baton.digdag.client.Workflow;
import io.baton.digdag.client.WorkflowRef;
import io.baton.emulator.Stored.Att;
import io.baton.emulator.Stored.Proj;
import io.baton.emulator.Stored.Sess;
import io.baton.emulator.Stored.Tsk;
import io.baton.emulator.Stored.Wf;

/**
 * Digdag's answers made from the store's objects, as the client's model records (ids as strings, copies of every
 * JSON value): what the REST answers and the test-driver API hand out. Called under the state's lock.
 */
final class EmulatorViews {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private EmulatorViews() {
    }

    static Project view(Proj p) {
        return new Project(id(p.id), p.name, "rev1", p.createdAt, p.updatedAt, null, "db", p.archiveMd5);
    }

    static Workflow view(Wf w) {
        return new Workflow(id(w.id()), w.name(), new ProjectRef(id(w.project().id), w.project().name), "rev1",
                w.timezone(), w.spec().definition(w.name()));
    }

    static Attempt view(Att a) {
        Sess s = a.session;
        return new Attempt(id(a.id), a.index, new ProjectRef(id(s.project.id), s.project.name),
                new WorkflowRef(s.workflowName, id(a.workflow.id())), id(s.id), s.uuid.toString(), s.sessionTime,
                a.retryAttemptName, a.done, a.success, a.cancelRequested, a.params.deepCopy(), a.createdAt,
                a.finishedAt, Attempt.status(a.done, a.success, a.cancelRequested));
    }

    static Session view(Sess s) {
        Att a = s.last();
        return new Session(id(s.id), new ProjectRef(id(s.project.id), s.project.name),
                new WorkflowRef(s.workflowName, id(s.workflow.id())), s.uuid.toString(), s.sessionTime,
                new Session.LastAttempt(id(a.id), a.retryAttemptName, a.done, a.success, a.cancelRequested,
                        a.params.deepCopy(), a.createdAt, a.finishedAt));
    }

    static Task view(Tsk t) {
        ObjectNode stateParams = JSON.objectNode();
        if (t.retryCount > 0) {
            stateParams.put("retry_count", t.retryCount);
        }
        if (t.requestRetries > 0) {
            ObjectNode request = stateParams.putObject("request");
            request.putObject("operation");
            request.put("retry", t.requestRetries);
        }
        return new Task(id(t.id), t.fullName, t.parent == null ? null : id(t.parent.id), t.config.deepCopy(),
                t.upstreams.stream().map(u -> id(u.id)).toList(), t.state, t.cancelRequested, JSON.objectNode(),
                JSON.objectNode(), stateParams, t.updatedAt, t.retryAt, t.startedAt, t.error.deepCopy(), t.group);
    }

    static String id(long id) {
        return String.valueOf(id);
    }
}
