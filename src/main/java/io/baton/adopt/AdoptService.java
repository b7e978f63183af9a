package io.baton.adopt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.Schedule;
import io.baton.digdag.rest.DigdagService;
import io.baton.problem.FieldError;
import io.baton.problem.ProblemException;
import io.baton.rules.Action;
import io.baton.rules.Rule;
import io.baton.rules.RuleAudit;
import io.baton.rules.RuleMode;
import io.baton.rules.RuleService;
import io.baton.security.Caller;
import io.baton.trigger.TriggerRun;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves a downstream workflow off the clock and back: {@link #adopt} makes the rule active and disables the
 * workflow's Digdag schedule in one step, {@link #unadopt} enables the schedule without the sessions it missed and
 * puts the rule back in shadow. Digdag is called inside the rule's transaction, so when it refuses or cannot be
 * reached nothing changes and the caller gets the problem.
 */
@ApplicationScoped
public class AdoptService {

    @Inject
    RuleService rules;

    @Inject
    DigdagService digdag;

    @Inject
    Caller caller;

    @Inject
    ObjectMapper mapper;

    /** The rule after the change, and the schedule as Digdag answered. */
    public record Adoption(Rule rule, Schedule schedule) {
    }

    public Adoption adopt(String name) {
        return change(name, RuleMode.ACTIVE, RuleAudit.Change.ADOPT, (client, schedule) -> {
            // Sessions the rule fired in shadow and the schedule has not started yet would otherwise never run;
            // their runs start after commit, and one the schedule did start is found as an existing attempt.
            // Database work first: Digdag is the last step, so nothing can fail after it.
            TriggerRun.reopenShadow(name, Instant.now().minus(rules.get(name).windowDuration()));
            return client.disableSchedule(schedule.id());
        });
    }

    public Adoption unadopt(String name) {
        return change(name, RuleMode.SHADOW, RuleAudit.Change.UNADOPT,
                (client, schedule) -> client.enableSchedule(schedule.id(), true));
    }

    private Adoption change(String name, RuleMode mode, RuleAudit.Change change, ScheduleStep step) {
        Rule rule = rules.get(name);
        caller.requireWriterOf(rule.team());
        Action action = rule.action();
        DigdagService.WorkflowTarget target = digdag.workflow(action.server(), action.project(), action.workflow());
        Schedule schedule = target.client().schedule(target.project().id(), action.workflow())
                .orElseThrow(() -> ProblemException.conflict("workflow " + action.workflowKey()
                        + " has no Digdag schedule to " + change.name().toLowerCase(),
                        List.of(new FieldError("action.workflow", "has no schedule"))));
        Schedule[] answer = new Schedule[1];
        Rule changed = rules.changeMode(name, mode, change, () -> {
            answer[0] = step.apply(target.client(), schedule);
            return detail(action, answer[0]);
        });
        return new Adoption(changed, answer[0]);
    }

    private JsonNode detail(Action action, Schedule schedule) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("server", action.server());
        detail.put("project", action.project());
        detail.put("workflow", action.workflow());
        detail.put("scheduleId", schedule.id());
        detail.put("disabledAt", schedule.disabledAt());
        detail.put("nextRunTime", schedule.nextRunTime());
        detail.put("at", Instant.now());
        return mapper.valueToTree(detail);
    }

    private interface ScheduleStep {
        Schedule apply(DigdagClient client, Schedule schedule);
    }
}
