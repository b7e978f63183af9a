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

@Command(name = "rules", description = "Dependency rules: list, get, apply (create or replace), delete, and "
        + "backtest on Digdag's history.",
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
