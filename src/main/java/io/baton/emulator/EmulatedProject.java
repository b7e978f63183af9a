package io.baton.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A project of the emulator, to define workflows in: {@code emulator.project("game").workflow("etl", spec)}. */
public final class EmulatedProject {

    private final EmulatorState state;
    private final EmulatedSchedules schedules;
    private final String name;

    EmulatedProject(EmulatorState state, EmulatedSchedules schedules, String name) {
        this.state = state;
        this.schedules = schedules;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /**
     * Defines a workflow from its .dig file read as JSON (e.g. with Jackson's YAML reader), in its {@code timezone}
     * (UTC without one); see {@link WorkflowSpec#fromDig}.
     */
    public EmulatedProject workflow(String workflowName, ObjectNode dig) {
        return workflow(workflowName, dig.path("timezone").asText("UTC"), WorkflowSpec.fromDig(dig));
    }

    /**
     * Sets a project secret, as {@code digdag secrets --project P --set key} does on a server with an encryption key;
     * {@code http>} tasks read it ({@code ${secret:key}}, {@code http.authorization}).
     */
    public EmulatedProject secret(String key, String value) {
        state.setSecret(name, key, value);
        return this;
    }

    /** Defines a UTC workflow. */
    public EmulatedProject workflow(String workflowName, WorkflowSpec spec) {
        return workflow(workflowName, "UTC", spec);
    }

    /**
     * Defines a workflow without a schedule, or replaces it under a new workflow id as a push of a new revision
     * would (which deletes a schedule it had).
     *
     * @param timezone a zone id; session times are written in it
     */
    public EmulatedProject workflow(String workflowName, String timezone, WorkflowSpec spec) {
        return workflow(workflowName, timezone, spec, null);
    }

    /**
     * Defines or replaces a workflow with a {@code schedule:}; a replaced one keeps its schedule id and whether it is
     * disabled, as a push does.
     */
    public EmulatedProject workflow(String workflowName, String timezone, WorkflowSpec spec, ScheduleSpec schedule) {
        state.defineWorkflow(name, workflowName, timezone, spec);
        schedules.pushed(name, workflowName, schedule);
        return this;
    }

    /** The id of the workflow's current definition, as {@code PUT /api/attempts} takes it. */
    public String workflowId(String workflowName) {
        return state.workflowId(name, workflowName);
    }
}
