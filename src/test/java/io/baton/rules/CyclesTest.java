package io.baton.rules;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.baton.rules.TestRules.rule;
import static org.assertj.core.api.Assertions.assertThat;

/** The cycle a rule would close, as text, or none; without Quarkus (RuleCyclesTest covers the REST answer). */
@Tag("unit")
class CyclesTest {

    @Test
    void aChainIsNoCycle() {
        assertThat(Cycles.closedBy(rule("r3", "d", "c"), List.of(rule("r1", "b", "a"), rule("r2", "c", "b"))))
                .isEmpty();
    }

    @Test
    void theShortestCycleIsReportedWithEveryRuleOnIt() {
        List<Rule> others = List.of(rule("r1", "b", "a"), rule("r2", "c", "b"), rule("short", "a", "b"));
        assertThat(Cycles.closedBy(rule("r3", "a", "c"), others)).contains(
                "main/c/etl -[r3]-> main/a/etl -[r1]-> main/b/etl -[r2]-> main/c/etl");
        assertThat(Cycles.closedBy(rule("r4", "b", "a"), others)).contains("main/a/etl -[r4]-> main/b/etl -[short]-> "
                + "main/a/etl");
        assertThat(Cycles.closedBy(rule("back", "a", "c"), List.of(rule("r1", "b", "a"), rule("r2", "c", "b"))))
                .contains("main/c/etl -[back]-> main/a/etl -[r1]-> main/b/etl -[r2]-> main/c/etl");
        assertThat(Cycles.closedBy(rule("self", "a", "a"), List.of())).contains("main/a/etl -[self]-> main/a/etl");
    }

    @Test
    void aRuleReplacesItsOwnEarlierVersion() {
        List<Rule> stored = List.of(rule("r1", "b", "a"), rule("r2", "a", "b"));
        // r2 now starts c instead of a: the stored r2 no longer counts.
        assertThat(Cycles.closedBy(rule("r2", "c", "b"), stored)).isEmpty();
        assertThat(Cycles.closedBy(rule("r1", "b", "a"), stored)).contains(
                "main/a/etl -[r1]-> main/b/etl -[r2]-> main/a/etl");
    }
}
