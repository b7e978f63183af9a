package io.baton.notify;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Message templates of rules' Slack messages and of subscriptions: {@code {name}} variables. */
public final class Templates {

    private static final Pattern VARIABLE = Pattern.compile("\\{([a-z_]+)}");

    private Templates() {
    }

    /** Replaces {@code {name}} by its value; unknown variables stay as written. */
    public static String render(String template, Map<String, String> variables) {
        return VARIABLE.matcher(template).replaceAll(m -> Matcher.quoteReplacement(
                variables.getOrDefault(m.group(1), m.group())));
    }
}
