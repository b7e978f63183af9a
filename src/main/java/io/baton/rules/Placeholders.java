package io.baton.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${...}} placeholders in action params. The vocabulary is closed, so a typo is a 400 at registration time
 * rather than a literal {@code ${...}} in a downstream workflow.
 */
public final class Placeholders {

    public static final String UPSTREAM_SESSION_TIME = "upstream.session_time";
    public static final String UPSTREAM_SESSION_DATE = "upstream.session_date";
    public static final String DOWNSTREAM_SESSION_TIME = "downstream.session_time";
    public static final String DOWNSTREAM_SESSION_DATE = "downstream.session_date";
    public static final String RULE_NAME = "rule.name";
    public static final Set<String> KNOWN = Set.of(UPSTREAM_SESSION_TIME, UPSTREAM_SESSION_DATE,
            DOWNSTREAM_SESSION_TIME, DOWNSTREAM_SESSION_DATE, RULE_NAME);

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

    private Placeholders() {
    }

    /** The placeholders in string values (at any depth) that are not in {@link #KNOWN}. */
    static Set<String> unknown(JsonNode params) {
        Set<String> unknown = new LinkedHashSet<>();
        visitStrings(params, text -> {
            Matcher matcher = PLACEHOLDER.matcher(text);
            while (matcher.find()) {
                if (!KNOWN.contains(matcher.group(1))) {
                    unknown.add(matcher.group());
                }
            }
            return text;
        });
        return unknown;
    }

    static JsonNode resolve(JsonNode params, Map<String, String> values) {
        return visitStrings(params.deepCopy(), text -> PLACEHOLDER.matcher(text).replaceAll(match -> {
            String value = values.get(match.group(1));
            return Matcher.quoteReplacement(value != null ? value : match.group());
        }));
    }

    /** Replaces every string value (not keys) by {@code rewrite}'s result, in place. */
    private static JsonNode visitStrings(JsonNode node, UnaryOperator<String> rewrite) {
        if (node.isTextual()) {
            return TextNode.valueOf(rewrite.apply(node.textValue()));
        }
        if (node instanceof ObjectNode object) {
            object.properties().forEach(entry -> entry.setValue(visitStrings(entry.getValue(), rewrite)));
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, visitStrings(array.get(i), rewrite));
            }
        }
        return node;
    }
}
