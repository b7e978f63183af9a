package io.baton.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "retry", description = {"Retry a session: a new attempt under a fresh retry name, with the latest "
        + "attempt's parameters unless --param is given. Refused (exit 4) while the latest attempt runs."})
class RetryCommand implements Callable<Integer> {

    @ParentCommand
    BatonCli cli;

    @Mixin
    SessionOptions session;

    @Option(names = "--resume-failed", description = "re-run only the tasks that did not succeed in the latest attempt")
    boolean resumeFailed;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "a parameter of the attempt (repeatable)")
    Map<String, String> params;

    @Override
    public Integer call() {
        return StartCommand.post(cli, session.path(cli.server) + ":retry" + (resumeFailed ? "?resume=failed" : ""),
                params);
    }
}
