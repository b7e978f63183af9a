package io.baton.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "start", description = {"Start a session of a workflow. Idempotent: if the session already has an "
        + "attempt, that attempt is shown with \"created\": false (exit 0)."})
class StartCommand implements Callable<Integer> {

    @ParentCommand
    BatonCli cli;

    @Mixin
    SessionOptions session;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "a parameter of the attempt (repeatable)")
    Map<String, String> params;

    @Override
    public Integer call() {
        return post(cli, session.path(cli.server) + ":start", params);
    }

    /** POSTs a start or retry with its optional parameters and prints the outcome. */
    static int post(BatonCli cli, String path, Map<String, String> params) {
        Object body = params == null ? null : Map.of("params", params);
        cli.output().print(BatonApi.expect(cli.api().send("POST", path, body), 200, 201));
        return BatonCli.OK;
    }
}
