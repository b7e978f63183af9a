package io.baton.cli;

import picocli.CommandLine.Option;

/** Which session of which workflow a command is about. */
final class SessionOptions {

    @Option(names = {"-p", "--project"}, required = true, description = "Digdag project")
    String project;

    @Option(names = {"-w", "--workflow"}, required = true, description = "workflow of the project")
    String workflow;

    @Option(names = {"-s", "--session"}, required = true,
            description = "session time: a date (2026-11-24, in the workflow's time zone) or a timestamp with an "
                    + "offset (2026-11-24T00:00:00+09:00)")
    String session;

    /** {@code /api/v1/digdag/{server}/projects/{project}/workflows/{workflow}/sessions/{sessionTime}} */
    String path(String server) {
        return "/api/v1/digdag/" + BatonApi.segment(server) + "/projects/" + BatonApi.segment(project)
                + "/workflows/" + BatonApi.segment(workflow) + "/sessions/" + BatonApi.segment(session);
    }

    String taskPath(String server, String task) {
        return path(server) + "/tasks/" + BatonApi.segment(task);
    }
}
