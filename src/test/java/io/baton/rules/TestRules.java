package io.baton.rules;

import java.util.Arrays;
import java.util.List;

/** Rules built in plain unit tests: upstreams and downstream are the workflows {@code main/<project>/etl}. */
public final class TestRules {

    private TestRules() {
    }

    /** Starts {@code main/<to>/etl} once every {@code main/<from>/etl} succeeded for the same session time. */
    public static Rule rule(String name, String to, String... from) {
        return rule(name, to, Match.ALL, null, Correlation.DEFAULT, Rule.DEFAULT_WINDOW, from);
    }

    /** Upstream ids are the project names of {@code from}. */
    public static Rule rule(String name, String to, Match match, String condition, Correlation correlation,
                            String window, String... from) {
        List<Upstream> upstreams = Arrays.stream(from)
                .map(f -> new Upstream(f, new DigdagCondition("main", f, "etl", null, Outcome.SUCCESS), null, null))
                .toList();
        return new Rule(name, "team", null, true, null, upstreams, match, condition, null, null, correlation, window, null,
                new Action("main", to, "etl", null, null), null, null, null, null, null, null);
    }
}
