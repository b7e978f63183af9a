package io.baton.rules;

/** Where Baton alerts about this rule: {@code slack} names a webhook of {@code baton.rules.slack-webhooks}. */
public record Notify(String slack) {
}
