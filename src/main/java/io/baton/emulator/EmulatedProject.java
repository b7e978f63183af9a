package io.baton.emulator;

/** A project of the emulator, to define workflows in: {@code emulator.project("game").workflow("etl", spec)}. */
public final class EmulatedProject {

    private final EmulatorState state;
    private final String name;

    EmulatedProject(EmulatorState state, String name) {
        this.state = state;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Defines a UTC workflow. */
    public EmulatedProject workflow(String workflowName, WorkflowSpec spec) {
        return workflow(workflowName, "UTC", spec);
    }

    /**
     * Defines a workflow, or replaces it under a new workflow id as a push of a new revision would.
     *
     * @param timezone a zone id; session times are written in it
     */
    public EmulatedProject workflow(String workflowName, String timezone, WorkflowSpec spec) {
        state.defineWorkflow(name, workflowName, timezone, spec);
        return this;
    }

    /** The id of the workflow's current definition, as {@code PUT /api/attempts} takes it. */
    public String workflowId(String workflowName) {
        return state.workflowId(name, workflowName);
    }
}
