package io.baton.notify;

import io.baton.rules.RulesConfig;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Turns queued matches into what Slack (Block Kit or plain text) or a generic webhook receives. */
@ApplicationScoped
class Messages {

    /** Slack cuts a section's text at 3000 characters. */
    private static final int SLACK_SECTION = 3000;

    @Inject
    NotifyConfig config;

    @Inject
    RulesConfig rulesConfig;

    /** Where a subscription's messages go; the URL is a secret. */
    record Target(String name, String url, boolean slack) {
    }

    /** A queued match: its state and variables. */
    record Match(long id, String state, Map<String, String> variables) {
    }

    Optional<Target> target(Subscription subscription) {
        if (subscription.slack() != null) {
            return Optional.ofNullable(rulesConfig.slackWebhooks().get(subscription.slack()))
                    .map(url -> new Target(subscription.slack(), url, true));
        }
        return Optional.ofNullable(config.webhooks().get(subscription.webhook()))
                .map(url -> new Target(subscription.webhook(), url, false));
    }

    Object single(Subscription subscription, Target target, Match match) {
        String template = subscription.templates() != null && subscription.templates().containsKey(match.state())
                ? subscription.templates().get(match.state()) : template(match.state());
        String text = Templates.render(template, match.variables());
        if (!target.slack()) {
            return Map.of("subscription", subscription.name(), "state", match.state(), "text", text,
                    "variables", match.variables());
        }
        if (Subscription.TEXT.equals(subscription.format())) {
            return Map.of("text", text);
        }
        List<Object> blocks = new ArrayList<>();
        blocks.add(section(text));
        String link = match.variables().getOrDefault("attempt_url", "");
        if (!link.isEmpty()) {
            blocks.add(Map.of("type", "context", "elements", List.of(Map.of("type", "mrkdwn", "text",
                    "<" + link + "|attempt " + match.variables().getOrDefault("attempt_id", "") + "> on "
                            + match.variables().getOrDefault("server", "")))));
        }
        return Map.of("text", text, "blocks", blocks);
    }

    /** One message for many matches: a line each, up to {@code summary-lines}, then how many more. */
    Object summary(Subscription subscription, Target target, List<Match> matches) {
        List<String> lines = new ArrayList<>();
        for (Match match : matches.subList(0, Math.min(matches.size(), config.summaryLines()))) {
            Map<String, String> v = match.variables();
            lines.add("• " + match.state() + " " + v.getOrDefault("subject", "") + " session "
                    + v.getOrDefault("session_time", "")
                    + (v.getOrDefault("error", "").isEmpty() ? "" : ": " + v.get("error")));
        }
        if (matches.size() > lines.size()) {
            lines.add("… and " + (matches.size() - lines.size()) + " more");
        }
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("subscription", subscription.name());
        variables.put("count", String.valueOf(matches.size()));
        variables.put("lines", String.join("\n", lines));
        String text = Templates.render(config.templates().summary(), variables);
        if (!target.slack()) {
            return Map.of("subscription", subscription.name(), "state", "summary", "text", text,
                    "count", matches.size(), "items", matches.stream().limit(config.summaryLines())
                            .map(Match::variables).toList());
        }
        if (Subscription.TEXT.equals(subscription.format())) {
            return Map.of("text", text);
        }
        return Map.of("text", text, "blocks", List.of(section(text)));
    }

    private static Map<String, Object> section(String text) {
        String shown = text.length() > SLACK_SECTION ? text.substring(0, SLACK_SECTION - 1) + "…" : text;
        return Map.of("type", "section", "text", Map.of("type", "mrkdwn", "text", shown));
    }

    private String template(String state) {
        NotifyConfig.Templates t = config.templates();
        return switch (state) {
            case "success" -> t.success();
            case "error" -> t.error();
            case "killed" -> t.killed();
            case "canceled" -> t.canceled();
            case "late" -> t.late();
            case "failed" -> t.failed();
            case "not_started" -> t.notStarted();
            case "recovered" -> t.recovered();
            default -> throw new IllegalArgumentException("no template for state " + state);
        };
    }
}
