package io.baton.rules;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a rule does when an upstream that satisfied it runs again for the same session (a newer Digdag attempt
 * succeeds) after the rule fired: the downstream ran on data that has since changed.
 */
public enum UpstreamRerun {
    /** Nothing: the rule fired once for the session. */
    @JsonProperty("ignore") IGNORE,
    /** An {@code io.baton.trigger.stale} event, and a Slack message if the rule notifies. */
    @JsonProperty("notify") NOTIFY,
    /** A new attempt of the downstream session under a fresh retry name, once per new upstream attempt. */
    @JsonProperty("rerun") RERUN
}
