package io.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

@Command(name = "rules", description = "Dependency rules: list, get, apply (create or replace), delete, "
        + "backtest on Digdag's history, and backfill a date range.",
        subcommands = {picocli.CommandLine.HelpCommand.class})
class RulesCommand {

    private static final String RULES = "/api/v1/rules";
    /** A backtest reads Digdag's history slowly (a few requests a second): minutes for 90 days. */
    private static final Duration BACKTEST_TIMEOUT = Duration.ofMinutes(15);

    @ParentCommand
    BatonCli cli;

    @Command(name = "list", description = "Rules by name, optionally of one team")
    int list(@Option(names = "--team", description = "only this team's rules") String team,
             @Option(names = "--enabled", description = "true or false") Boolean enabled,
             @Option(names = "--page", defaultValue = "0", description = "from 0") int page,
             @Option(names = "--size", description = "rules per page") Integer size) {
        StringBuilder query = new StringBuilder("?page=").append(page);
        if (team != null) {
            query.append("&team=").append(BatonApi.segment(team));
        }
        if (enabled != null) {
            query.append("&enabled=").append(enabled);
        }
        if (size != null) {
            query.append("&size=").append(size);
        }
        JsonNode rules = BatonApi.expect(cli.api().get(RULES + query), 200);
        cli.output().print(rules, summaries(rules.path("items")));
        return BatonCli.OK;
    }

    @Command(name = "get", description = "One rule")
    int get(@Parameters(paramLabel = "NAME") String name) {
        cli.output().print(BatonApi.expect(cli.api().get(RULES + "/" + BatonApi.segment(name)), 200));
        return BatonCli.OK;
    }

    @Command(name = "apply", description = "Create or replace the rule of a JSON file (named by its \"name\")")
    int apply(@Option(names = {"-f", "--file"}, required = true, description = "rule JSON; - for stdin")
              String file) {
        JsonNode rule = read(file);
        String name = rule.path("name").asText("");
        if (name.isEmpty()) {
            throw new CliFailure(BatonCli.USAGE, file + ": the rule has no \"name\"");
        }
        cli.output().print(BatonApi.expect(cli.api().send("PUT", RULES + "/" + BatonApi.segment(name), rule), 200,
                201));
        return BatonCli.OK;
    }

    @Command(name = "delete", description = "Delete a rule (its history stays)")
    int delete(@Parameters(paramLabel = "NAME") String name) {
        BatonApi.expect(cli.api().send("DELETE", RULES + "/" + BatonApi.segment(name), null), 204);
        cli.output().print(cli.mapper.createObjectNode().put("deleted", name));
        return BatonCli.OK;
    }

    @Command(name = "backtest", description = "What the rule of a JSON file would have done on Digdag's history: "
            + "per downstream session, when it would have fired and when the downstream really started")
    int backtest(@Parameters(paramLabel = "FILE", description = "rule JSON; - for stdin") String file,
                 @Option(names = "--from", required = true, description = "first session date, e.g. 2026-11-01")
                 String from,
                 @Option(names = "--to", required = true, description = "last session date (at most 90 days)")
                 String to) {
        ObjectNode request = cli.mapper.createObjectNode();
        request.set("rule", read(file));
        request.put("from", from).put("to", to);
        JsonNode result = BatonApi.expect(cli.api().send("POST", RULES + ":backtest", request, BACKTEST_TIMEOUT),
                200);
        ArrayNode rows = cli.mapper.createArrayNode();
        for (JsonNode session : result.path("sessions")) {
            ObjectNode row = rows.addObject();
            row.put("session", session.path("downstreamSession").asText());
            row.put("would_fire", session.path("wouldFireAt").asText("never"));
            row.put("started", session.path("startedAt").asText("never"));
            row.put("gained_min", session.has("gainedSeconds")
                    ? String.format("%.1f", session.get("gainedSeconds").asLong() / 60.0) : "");
            row.put("early", session.path("startedBeforeUpstreams").asBoolean() ? "STARTED BEFORE UPSTREAMS" : "");
        }
        cli.output().print(result, rows);
        JsonNode summary = result.path("summary");
        cli.output().note(String.format("%d sessions; started before upstreams: %d %s; never fired: %d; gained "
                        + "minutes median %s, p90 %s", summary.path("sessions").asInt(),
                summary.path("startedBeforeUpstreams").size(), summary.path("startedBeforeUpstreams"),
                summary.path("neverFired").size(), summary.path("gainedMinutesMedian").asText("-"),
                summary.path("gainedMinutesP90").asText("-")));
        return BatonCli.OK;
    }

    @Command(name = "backfill", description = {"Start the sessions of a date range whose upstreams held and that "
            + "never ran (through admission control, after ordinary triggers); --dry-run only plans.",
            "Shows a progress bar on stderr until every start has gone; exit 1 if the backfill failed or a start "
                    + "did, 2 at the timeout (the backfill goes on in Baton)."})
    int backfill(@Parameters(paramLabel = "NAME") String name,
                 @Option(names = "--from", required = true, description = "first session date, e.g. 2026-10-01")
                 String from,
                 @Option(names = "--to", required = true, description = "last session date (at most 366 days)")
                 String to,
                 @Option(names = "--dry-run", description = "only plan: what would start, what is skipped and why")
                 boolean dryRun,
                 @Option(names = "--interval", defaultValue = "2s", converter = DurationOption.class,
                         description = "how often progress is read (default ${DEFAULT-VALUE})") Duration interval,
                 @Option(names = "--timeout", defaultValue = "24h", converter = DurationOption.class,
                         description = "how long to follow it (default ${DEFAULT-VALUE})") Duration timeout) {
        ObjectNode request = cli.mapper.createObjectNode().put("from", from).put("to", to).put("dryRun", dryRun);
        JsonNode backfill = BatonApi.expect(cli.api().send("POST", RULES + "/" + BatonApi.segment(name)
                + ":backfill", request), 202);
        String path = RULES + "/" + BatonApi.segment(name) + "/backfills/" + backfill.path("id").asLong();
        ProgressBar progress = new ProgressBar(cli.err());
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            show(progress, backfill);
            if (finished(backfill)) {
                break;
            }
            if (Instant.now().isAfter(deadline)) {
                progress.finish();
                throw new CliFailure(BatonCli.TIMEOUT, "backfill " + path + " still " + backfill.path("state")
                        .asText() + " after " + timeout + "; it goes on in Baton");
            }
            pause(interval);
            backfill = BatonApi.expect(cli.api().get(path), 200);
        }
        progress.finish();
        ArrayNode rows = cli.mapper.createArrayNode();
        for (JsonNode session : backfill.path("sessions")) {
            rows.addObject().put("session", session.path("session").asText())
                    .put("decision", session.path("decision").asText())
                    .put("reason", session.path("reason").asText())
                    .put("run", session.path("runState").asText(""))
                    .put("attempt", session.path("attemptId").asText(""));
        }
        cli.output().print(backfill, rows);
        JsonNode summary = backfill.path("summary");
        cli.output().note(String.format("backfill %s: %s; %d sessions: %d to start, %d already ran, %d not "
                        + "satisfied; started %d, failed %d", backfill.path("id").asText(),
                backfill.path("state").asText(), summary.path("sessions").asInt(), summary.path("toStart").asInt(),
                summary.path("alreadyRan").asInt(), summary.path("notSatisfied").asInt(),
                summary.path("started").asInt(), summary.path("failed").asInt()));
        boolean failed = "failed".equals(backfill.path("state").asText()) || summary.path("failed").asInt() > 0;
        if ("failed".equals(backfill.path("state").asText())) {
            cli.err().println("backfill failed: " + backfill.path("error").asText());
        }
        return failed ? BatonCli.FAILED : BatonCli.OK;
    }

    /** The bar counts the starts that have gone (started or failed) of those the plan makes. */
    private static void show(ProgressBar progress, JsonNode backfill) {
        JsonNode summary = backfill.path("summary");
        int toStart = summary.path("toStart").asInt();
        if ("planning".equals(backfill.path("state").asText())) {
            progress.show(0, 0, "planning: reading Digdag's history");
        } else if (backfill.path("dryRun").asBoolean()) {
            progress.show(0, 0, "planned (dry run): " + toStart + " to start");
        } else {
            progress.show(toStart - summary.path("waiting").asInt(), toStart, String.format(
                    "started %d, failed %d, waiting %d", summary.path("started").asInt(),
                    summary.path("failed").asInt(), summary.path("waiting").asInt()));
        }
    }

    private static boolean finished(JsonNode backfill) {
        return Set.of("planned", "done", "failed").contains(backfill.path("state").asText());
    }

    private static void pause(Duration interval) {
        try {
            Thread.sleep(interval.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure(BatonCli.ERROR, "interrupted; the backfill goes on in Baton");
        }
    }

    private JsonNode read(String file) {
        try (InputStream in = file.equals("-") ? System.in : Files.newInputStream(Path.of(file))) {
            return cli.mapper.readTree(in);
        } catch (IOException e) {
            throw new CliFailure(BatonCli.USAGE, "cannot read a rule from " + file + ": " + e.getMessage());
        }
    }

    /** The table view of rules: one line each. */
    private ArrayNode summaries(JsonNode rules) {
        ArrayNode rows = cli.mapper.createArrayNode();
        for (JsonNode rule : rules) {
            ObjectNode row = rows.addObject();
            row.put("name", rule.path("name").asText());
            row.put("team", rule.path("team").asText());
            row.put("enabled", rule.path("enabled").asBoolean());
            row.put("upstreams", rule.path("upstreams").size());
            JsonNode action = rule.path("action");
            row.put("starts", action.path("server").asText() + "/" + action.path("project").asText() + "/"
                    + action.path("workflow").asText());
        }
        return rows;
    }
}
