package io.baton.rules;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Edge labels of expression rules, without Quarkus. */
@Tag("unit")
class DependencyGraphLabelTest {

    private static Rule rule(String name, String condition, Upstream... upstreams) {
        return new Rule(name, "bi", null, true, RuleMode.ACTIVE, List.of(upstreams), condition == null ? Match.ALL : null, condition,
                false, UpstreamRerun.IGNORE, Correlation.DEFAULT, Rule.DEFAULT_WINDOW, null,
                new Action("main", "bi", "report", null, IfFailed.NONE), null, null, null, null, null, null);
    }

    private static Upstream load(String id, String project, String filter) {
        return new Upstream(id, new DigdagCondition("main", project, "etl", "+etl+load", Outcome.SUCCESS), null, filter);
    }

    @Test
    void anExpressionRulesEdgesCarryItsConditionAndEachUpstreamsFilter() {
        DependencyGraph graph = DependencyGraph.of(List.of(
                rule("bi-report", "game_load || eikaiwa_load", load("game-load", "game", "data.state == 'success'"),
                        load("eikaiwa-load", "eikaiwa", null)),
                rule("bi-plain", null, load("game-load", "game", null))));

        assertThat(graph.edges()).extracting(e -> e.rule() + " " + e.condition() + " " + e.filter()).containsExactly(
                "bi-report game_load || eikaiwa_load data.state == 'success'",
                "bi-report game_load || eikaiwa_load null",
                "bi-plain null null");
        assertThat(graph.mermaid())
                .contains("-->|bi-report: game_load #124;#124; eikaiwa_load [data.state == 'success']| ")
                .contains("-->|bi-report: game_load #124;#124; eikaiwa_load| ")
                .contains("-->|bi-plain| ");
    }
}
