package io.baton.rules;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.problem.FieldError;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** CEL compile and evaluate, without Quarkus. */
@Tag("unit")
class RuleExpressionsTest {

    private static final List<String> IDS = List.of("game-load", "eikaiwa-load", "eikaiwa-skipped");
    private static final List<String> REGIONS = List.of("eu-load", "us-load", "jp-load", "kr-load");

    private final RuleExpressions expressions = new RuleExpressions();

    private static Map<String, Boolean> values(boolean game, boolean eikaiwa, boolean skipped) {
        return Map.of("game-load", game, "eikaiwa-load", eikaiwa, "eikaiwa-skipped", skipped);
    }

    @Test
    void aConditionNamesUpstreamsWithUnderscoresForDashes() {
        String condition = "game_load && (eikaiwa_load || eikaiwa_skipped)";
        assertThat(expressions.checkCondition("condition", condition, IDS)).isEmpty();
        assertThat(expressions.condition(condition, values(true, false, true))).isTrue();
        assertThat(expressions.condition(condition, values(true, true, false))).isTrue();
        assertThat(expressions.condition(condition, values(true, false, false))).isFalse();
        assertThat(expressions.condition(condition, values(false, true, true))).isFalse();
    }

    @Test
    void countIsTheNumberOfTrueValues() {
        String condition = "count([eu_load, us_load, jp_load, kr_load]) >= 3";
        assertThat(expressions.checkCondition("condition", condition, REGIONS)).isEmpty();
        assertThat(expressions.condition(condition, Map.of("eu-load", true, "us-load", true, "jp-load", false,
                "kr-load", true))).isTrue();
        assertThat(expressions.condition(condition, Map.of("eu-load", true, "us-load", false, "jp-load", false,
                "kr-load", true))).isFalse();
    }

    @Test
    void compileErrorsNameTheFieldWithLineAndColumn() {
        assertThat(expressions.checkCondition("condition", "game_load &&", IDS)).singleElement()
                .satisfies(e -> {
                    assertThat(e.field()).isEqualTo("condition");
                    assertThat(e.message()).startsWith("line 1, column 13: ");
                });
        assertThat(expressions.checkCondition("condition", "game_load &&\n  bi_load", IDS))
                .extracting(FieldError::message)
                .containsExactly("line 2, column 3: undeclared reference to 'bi_load' (in container '')");
        assertThat(expressions.checkCondition("condition", "count([game_load, eikaiwa_load])", IDS))
                .extracting(FieldError::message).containsExactly("line 1, column 1: must be a boolean expression, not int");
        assertThat(expressions.checkFilter("upstreams[0].filter", "data.rows"))
                .extracting(FieldError::message).singleElement().asString()
                .startsWith("line 1, column 1: must be a boolean expression, not dyn");
        assertThat(expressions.checkFilter("upstreams[0].filter", "data.rows > 'x' +")).singleElement()
                .extracting(FieldError::field).isEqualTo("upstreams[0].filter");
    }

    @Test
    void anIdThatIsNoIdentifierCannotBeUsedInACondition() {
        assertThat(expressions.checkCondition("condition", "in", List.of("in", "load")))
                .extracting(FieldError::message).singleElement().asString().contains("upstream id 'in'");
        assertThat(expressions.checkCondition("condition", "true", List.of("3d-load")))
                .extracting(FieldError::message).singleElement().asString().contains("'3d_load' is not a CEL identifier");
    }

    @Test
    void anExpensiveExpressionIsRefusedWithThePositionOfItsLoop() {
        assertThat(expressions.checkFilter("f", "data.items.all(x, x.rows > 0 && x.name.startsWith('eu'))")).isEmpty();
        List<FieldError> nested = expressions.checkFilter("f",
                "data.rows > 0 && data.items.all(x, data.items.all(y, data.items.exists(z, x == y && y == z)))");
        assertThat(nested).extracting(FieldError::message).singleElement().asString()
                .startsWith("line 1, column 32: too expensive")
                .contains("the limit is 25,000");
        assertThat(expressions.checkCondition("condition",
                "[1, 2, 3].all(i, [1, 2, 3].exists(j, i == j)) && game_load", IDS)).isEmpty();
    }

    @Test
    void aFilterSeesTheEventsDataSubjectTypeAndTime() throws Exception {
        String filter = "data.rows > 0 && subject == 'daily' && type.startsWith('com.example.') "
                + "&& time > timestamp('2026-11-24T00:00:00Z')";
        assertThat(expressions.checkFilter("f", filter)).isEmpty();
        var data = RuleExpressions.celMap(new ObjectMapper().readTree("{\"rows\": 12, \"ratio\": 0.5, \"tags\": [\"a\"], \"none\": null}"));
        Instant time = Instant.parse("2026-11-24T03:00:00Z");
        assertThat(expressions.filter(filter, new RuleExpressions.FilterInput(data, "daily", "com.example.load", time))).isTrue();
        assertThat(expressions.filter(filter, new RuleExpressions.FilterInput(data, null, "com.example.load", time))).isFalse();
        assertThat(expressions.filter("data.ratio < 1 && 'a' in data.tags && data.none == null",
                new RuleExpressions.FilterInput(data, "", "t", time))).isTrue();
        var empty = RuleExpressions.celMap(new ObjectMapper().readTree("{\"rows\": 0}"));
        assertThat(expressions.filter(filter, new RuleExpressions.FilterInput(empty, "daily", "com.example.load", time))).isFalse();
    }

    @Test
    void aFilterOnAMissingFieldIsFalseNotAnError() {
        assertThat(expressions.filter("data.rows > 0", new RuleExpressions.FilterInput(Map.of(), "", "t", Instant.now())))
                .isFalse();
    }
}
