package io.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "status", description = {"A task's latest state in the latest attempt of a session, or (without "
        + "--task) the session's attempts.", "Exit 1 when the task or the latest attempt failed."})
class StatusCommand implements Callable<Integer> {

    private static final Set<String> FAILED_STATES = Set.of("error", "group_error", "canceled", "killed");

    @ParentCommand
    BatonCli cli;

    @Mixin
    SessionOptions session;

    @Option(names = {"-t", "--task"}, description = "task: full name (+etl+load) or below the workflow (load)")
    String task;

    @Override
    public Integer call() {
        if (task != null) {
            JsonNode status = BatonApi.expect(cli.api().get(session.taskPath(cli.server, task)), 200);
            cli.output().print(status);
            return FAILED_STATES.contains(status.path("state").asText()) ? BatonCli.FAILED : BatonCli.OK;
        }
        JsonNode status = BatonApi.expect(cli.api().get(session.path(cli.server)), 200);
        JsonNode attempts = status.path("attempts");
        cli.output().print(status, attempts);
        String latest = attempts.isEmpty() ? "" : attempts.get(attempts.size() - 1).path("status").asText();
        return FAILED_STATES.contains(latest) ? BatonCli.FAILED : BatonCli.OK;
    }
}
