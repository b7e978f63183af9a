package io.baton.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;

/**
 * The {@code baton} command: task status, start, retry and wait on any Digdag server Baton knows, rules, and the
 * events topic. Talks to Baton's REST API (and, for {@code events tail}, to Kafka); it never starts Baton itself.
 * JSON on stdout, messages on stderr, and exit codes scripts can rely on.
 */
@Command(name = "baton", mixinStandardHelpOptions = true, version = "baton 0.1.0",
        description = "Baton's command line: Digdag task status, start, retry and wait; rules; events; local tokens.",
        subcommands = {StatusCommand.class, StartCommand.class, RetryCommand.class, WaitCommand.class,
                RulesCommand.class, SubscriptionsCommand.class, EventsCommand.class, TokenCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok (a wait: the state was reached)",
                "1:the task or attempt is in a failed state (a wait: it ended in another state)",
                "2:timeout", "3:usage error, or not found", "4:Baton unreachable or refused (401, 403, 409, 5xx)"})
public class BatonCli {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int TIMEOUT = 2;
    static final int USAGE = 3;
    static final int ERROR = 4;

    @Option(names = "--url", scope = ScopeType.INHERIT, defaultValue = "${env:BATON_URL:-http://127.0.0.1:8080}",
            description = "Baton's base URL (env BATON_URL; default ${DEFAULT-VALUE})")
    String url;

    @Option(names = "--token", scope = ScopeType.INHERIT, defaultValue = "${env:BATON_TOKEN}",
            description = "bearer token (env BATON_TOKEN); never printed")
    String token;

    @Option(names = "--server", scope = ScopeType.INHERIT, defaultValue = "${env:BATON_SERVER:-main}",
            description = "Digdag server name as Baton knows it (env BATON_SERVER; default ${DEFAULT-VALUE})")
    String server;

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, defaultValue = "json",
            description = "json (default) or table")
    Output.Format output;

    final ObjectMapper mapper = new ObjectMapper();
    private PrintWriter out;
    private PrintWriter err;

    BatonApi api() {
        return new BatonApi(url, token, mapper);
    }

    Output output() {
        return new Output(output, out, mapper);
    }

    /** Where messages for people go (progress, warnings), so that stdout stays the answer. */
    PrintWriter err() {
        return err;
    }

    public static void main(String[] args) {
        quietLibraries();
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line and returns its exit code; what tests call. */
    public static int run(String[] args, PrintStream stdout, PrintStream stderr) {
        BatonCli cli = new BatonCli();
        PrintWriter out = new PrintWriter(stdout, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(stderr, true, StandardCharsets.UTF_8);
        cli.out = out;
        cli.err = err;
        CommandLine commandLine = new CommandLine(cli)
                .setOut(out)
                .setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler((e, arguments) -> {
                    err.println(e.getMessage());
                    e.getCommandLine().usage(err);
                    return USAGE;
                })
                .setExecutionExceptionHandler((e, command, parsed) -> {
                    if (e instanceof CliFailure failure) {
                        err.println(failure.getMessage());
                        return failure.exitCode();
                    }
                    err.println(e);
                    return ERROR;
                });
        return commandLine.execute(args);
    }

    /**
     * Libraries log through JBoss LogManager (the SLF4J binding on the classpath needs it); Kafka's client logs at
     * INFO on every connect, so only its warnings reach stderr.
     */
    private static void quietLibraries() {
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        java.util.logging.Logger.getLogger("org.apache.kafka").setLevel(Level.WARNING);
    }
}
