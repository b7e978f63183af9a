package io.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.List;
import java.util.Map;

@Command(name = "subscriptions", description = "Slack and webhook messages on Digdag completions and expectation "
        + "alerts: list, add, delete.",
        subcommands = {picocli.CommandLine.HelpCommand.class})
class SubscriptionsCommand {

    private static final String SUBSCRIPTIONS = "/api/v1/subscriptions";

    @ParentCommand
    BatonCli cli;

    @Command(name = "list", description = "Subscriptions by name, optionally of one team")
    int list(@Option(names = "--team", description = "only this team's subscriptions") String team) {
        JsonNode subscriptions = BatonApi.expect(cli.api().get(SUBSCRIPTIONS
                + (team == null ? "" : "?team=" + BatonApi.segment(team))), 200);
        ArrayNode rows = cli.mapper.createArrayNode();
        for (JsonNode subscription : subscriptions) {
            ObjectNode row = rows.addObject();
            row.put("name", subscription.path("name").asText());
            row.put("team", subscription.path("team").asText());
            row.put("enabled", subscription.path("enabled").asBoolean());
            row.put("matches", subscription.path("server").asText() + "/" + subscription.path("project").asText()
                    + "/" + subscription.path("workflow").asText("*")
                    + (subscription.has("task") ? " " + subscription.path("task").asText() : ""));
            row.put("states", String.join(",", cli.mapper.convertValue(subscription.path("states"), String[].class)));
            row.put("to", subscription.has("slack") ? "slack:" + subscription.path("slack").asText()
                    : "webhook:" + subscription.path("webhook").asText());
        }
        cli.output().print(subscriptions, rows);
        return BatonCli.OK;
    }

    @Command(name = "add", description = "Create a subscription (409 when the name is taken) on the Digdag server "
            + "of --server")
    int add(@Parameters(paramLabel = "NAME") String name,
            @Option(names = "--team", required = true, description = "the owning team") String team,
            @Option(names = "--project", required = true) String project,
            @Option(names = "--workflow", description = "default: every workflow of the project") String workflow,
            @Option(names = "--task", description = "a task's full name, e.g. +etl+load") String task,
            @Option(names = "--state", required = true, split = ",", description = "success, error, killed, "
                    + "canceled, late, failed, not_started, recovered (repeat or comma-separate)") List<String> states,
            @Option(names = "--slack", description = "Slack webhook name (baton.rules.slack-webhooks)") String slack,
            @Option(names = "--webhook", description = "webhook name (baton.notify.webhooks)") String webhook,
            @Option(names = "--format", description = "blocks (default) or text") String format,
            @Option(names = "--template", description = "state=template, e.g. error='{project} broke: {error}'")
            Map<String, String> templates) {
        ObjectNode body = cli.mapper.createObjectNode().put("name", name).put("team", team).put("server", cli.server)
                .put("project", project);
        putIfSet(body, "workflow", workflow);
        putIfSet(body, "task", task);
        body.set("states", cli.mapper.valueToTree(states));
        putIfSet(body, "slack", slack);
        putIfSet(body, "webhook", webhook);
        putIfSet(body, "format", format);
        if (templates != null) {
            body.set("templates", cli.mapper.valueToTree(templates));
        }
        cli.output().print(BatonApi.expect(cli.api().send("POST", SUBSCRIPTIONS, body), 201));
        return BatonCli.OK;
    }

    @Command(name = "delete", description = "Delete a subscription; its waiting messages are dropped")
    int delete(@Parameters(paramLabel = "NAME") String name) {
        BatonApi.expect(cli.api().send("DELETE", SUBSCRIPTIONS + "/" + BatonApi.segment(name), null), 204);
        cli.output().print(cli.mapper.createObjectNode().put("deleted", name));
        return BatonCli.OK;
    }

    private static void putIfSet(ObjectNode body, String field, String value) {
        if (value != null) {
            body.put(field, value);
        }
    }
}
