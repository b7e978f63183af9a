package io.baton.rules;

import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.DigdagClients;
import io.baton.digdag.client.DigdagException;
import io.baton.digdag.client.Project;
import io.baton.problem.FieldError;
import io.baton.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * With {@code baton.rules.verify-against-digdag=true}: the projects and workflows a rule names must exist on their
 * Digdag servers. A server that cannot be asked makes the change fail with 503 rather than pass unchecked.
 */
@ApplicationScoped
public class DigdagReferences {

    @Inject
    DigdagClients clients;

    /** Fails with a 400 naming each upstream or action field whose project or workflow Digdag does not know. */
    void verify(Rule rule) {
        List<FieldError> errors = new ArrayList<>();
        Map<String, Optional<Project>> projects = new HashMap<>();
        try {
            for (int i = 0; i < rule.upstreams().size(); i++) {
                DigdagCondition condition = rule.upstreams().get(i).digdag();
                if (condition != null) {
                    check(errors, projects, "upstreams[" + i + "].digdag", condition.server(), condition.project(),
                            condition.workflow());
                }
            }
            Action action = rule.action();
            check(errors, projects, "action", action.server(), action.project(), action.workflow());
        } catch (DigdagException e) {
            throw new ProblemException(503, "Digdag unavailable",
                    "the rule's projects and workflows could not be verified against Digdag: " + e.getMessage(), List.of());
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
    }

    private void check(List<FieldError> errors, Map<String, Optional<Project>> projects, String field, String server,
                       String projectName, String workflow) {
        DigdagClient client = clients.client(server);
        Optional<Project> project = projects.computeIfAbsent(server + "/" + projectName, k -> client.projectByName(projectName));
        if (project.isEmpty()) {
            errors.add(new FieldError(field + ".project", "Digdag server '" + server + "' has no project '" + projectName + "'"));
        } else if (client.workflow(project.get().id(), workflow).isEmpty()) {
            errors.add(new FieldError(field + ".workflow", "project '" + projectName + "' has no workflow '" + workflow + "'"));
        }
    }
}
