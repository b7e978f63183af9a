package io.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

@Command(name = "wait", description = {"Block until a task reaches a state, on Baton's long-poll (Baton answers "
        + "from the completion events it publishes; nothing polls Digdag for you).",
        "Exit 0 when reached, 1 when the task (or its attempt) ended in another state, 2 at the timeout."})
class WaitCommand implements Callable<Integer> {

    @ParentCommand
    BatonCli cli;

    @Mixin
    SessionOptions session;

    @Option(names = {"-t", "--task"}, required = true,
            description = "task: full name (+etl+load) or below the workflow (load)")
    String task;

    @Option(names = "--state", defaultValue = "success",
            description = "success (default), error, group_error or canceled")
    String state;

    @Option(names = "--timeout", defaultValue = "1h", converter = DurationOption.class,
            description = "how long to wait in all: 1h, 30m, 45s or PT1H (default ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--interval", defaultValue = "5m", converter = DurationOption.class,
            description = "the longest single long-poll request; shorter than proxies' idle timeouts "
                    + "(default ${DEFAULT-VALUE})")
    Duration interval;

    @Override
    public Integer call() {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new CliFailure(BatonCli.TIMEOUT, "task " + task + " did not reach " + state + " within "
                        + timeout);
            }
            Duration poll = left.compareTo(interval) < 0 ? left : interval;
            BatonApi.Reply reply = cli.api().longPoll(session.taskPath(cli.server, task) + "/wait?state="
                    + BatonApi.segment(state) + "&timeout=" + poll.toSeconds() + "s", poll);
            if (reply.status() != 408) {
                JsonNode outcome = BatonApi.expect(reply, 200);
                cli.output().print(outcome, outcome.path("task"));
                return outcome.path("reached").asBoolean() ? BatonCli.OK : BatonCli.FAILED;
            }
        }
    }
}
