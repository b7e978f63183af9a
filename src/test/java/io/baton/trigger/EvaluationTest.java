package io.baton.trigger;

import io.baton.rules.CorrelateBy;
import io.baton.rules.Correlation;
import io.baton.rules.Match;
import io.baton.rules.Rule;
import io.baton.rules.RuleExpressions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import static io.baton.rules.TestRules.rule;
import static org.assertj.core.api.Assertions.assertThat;

/** Where a rule stands for one key, from conditions built in memory: no database, no Quarkus. */
@Tag("unit")
class EvaluationTest {

    private static final RuleExpressions EXPRESSIONS = new RuleExpressions();
    private static final String SESSION = "2026-11-24T00:00:00+09:00";

    private static TriggerCondition condition(String upstream, String sessionTime, String finishedAt) {
        TriggerCondition condition = new TriggerCondition();
        condition.upstreamId = upstream;
        condition.sessionTime = OffsetDateTime.parse(sessionTime);
        condition.upstreamSession = condition.sessionTime.toInstant();
        condition.finishedAt = OffsetDateTime.parse(finishedAt);
        return condition;
    }

    private static Evaluation evaluate(Rule rule, String key, TriggerCondition... conditions) {
        return Evaluation.of(rule, key, List.of(conditions), EXPRESSIONS);
    }

    @Test
    void allNeedsEveryUpstreamAndNamesTheMissingOnes() {
        Rule rule = rule("bi", "bi", "game", "eikaiwa");
        Evaluation half = evaluate(rule, SESSION, condition("game", SESSION, "2026-11-24T01:00:00Z"));
        assertThat(half.ready()).isFalse();
        assertThat(half.missing()).containsExactly("eikaiwa");
        assertThat(half.values()).containsEntry("game", true).containsEntry("eikaiwa", false);

        Evaluation both = evaluate(rule, SESSION, condition("game", SESSION, "2026-11-24T01:00:00Z"),
                condition("eikaiwa", SESSION, "2026-11-24T03:00:00Z"));
        assertThat(both.ready()).isTrue();
        assertThat(both.missing()).isEmpty();
        assertThat(both.lastFinishedAt()).isEqualTo(OffsetDateTime.parse("2026-11-24T03:00:00Z").toInstant());
        assertThat(both.latest().upstreamId).isEqualTo("eikaiwa");
        assertThat(both.downstreamSession(rule)).isEqualTo(OffsetDateTime.parse(SESSION));
    }

    @Test
    void upstreamsSatisfiedFurtherApartThanTheWindowExpire() {
        Rule rule = rule("bi", "bi", Match.ALL, null, Correlation.DEFAULT, "PT2H", "game", "eikaiwa");
        Evaluation late = evaluate(rule, SESSION, condition("game", SESSION, "2026-11-24T01:00:00Z"),
                condition("eikaiwa", SESSION, "2026-11-24T03:00:01Z"));
        assertThat(late.met()).isTrue();
        assertThat(late.expired()).isTrue();
        assertThat(late.ready()).isFalse();
        Rule any = rule("bi", "bi", Match.ANY, null, Correlation.DEFAULT, "PT2H", "game", "eikaiwa");
        assertThat(evaluate(any, SESSION, condition("game", SESSION, "2026-11-24T01:00:00Z"),
                condition("eikaiwa", SESSION, "2026-11-24T09:00:00Z")).ready()).isTrue();
    }

    @Test
    void anyAndAConditionDecideFromTheValues() {
        Rule any = rule("bi", "bi", Match.ANY, null, Correlation.DEFAULT, Rule.DEFAULT_WINDOW, "game", "eikaiwa");
        assertThat(evaluate(any, SESSION).ready()).isFalse();
        assertThat(evaluate(any, SESSION, condition("eikaiwa", SESSION, "2026-11-24T01:00:00Z")).ready()).isTrue();
        Rule cel = rule("bi", "bi", Match.ALL, "game && !eikaiwa", Correlation.DEFAULT, Rule.DEFAULT_WINDOW,
                "game", "eikaiwa");
        assertThat(evaluate(cel, SESSION, condition("game", SESSION, "2026-11-24T01:00:00Z")).ready()).isTrue();
        assertThat(evaluate(cel, SESSION, condition("game", SESSION, "2026-11-24T01:00:00Z"),
                condition("eikaiwa", SESSION, "2026-11-24T02:00:00Z")).ready()).isFalse();
    }

    @Test
    void hourlyUpstreamsOnTheDayBerlinSetsClocksBackNeedTwentyFiveSessions() {
        Correlation hourly = new Correlation(CorrelateBy.SESSION_DATE, "Europe/Berlin", "PT1H", "P1D");
        Rule rule = rule("bi", "bi", Match.ALL, null, hourly, "PT48H", "game");
        String day = "2026-10-25";
        List<TriggerCondition> conditions = new ArrayList<>();
        for (OffsetDateTime hour : hourly.upstreamSessionsOn(LocalDate.parse(day)).orElseThrow()) {
            conditions.add(condition("game", hour.toString(), hour.plusMinutes(30).toString()));
        }
        assertThat(conditions).hasSize(25);
        TriggerCondition secondTwoOClock = conditions.remove(3);
        assertThat(secondTwoOClock.sessionTime).isEqualTo(OffsetDateTime.parse("2026-10-25T02:00+01:00"));
        Evaluation withoutIt = Evaluation.of(rule, day, conditions, EXPRESSIONS);
        assertThat(withoutIt.missing()).containsExactly("game");

        conditions.add(secondTwoOClock);
        Evaluation complete = Evaluation.of(rule, day, conditions, EXPRESSIONS);
        assertThat(complete.ready()).isTrue();
        // The latest session is 23:00 on the 25th; the downstream runs the next day at midnight (P1D).
        assertThat(complete.downstreamSession(rule)).isEqualTo(OffsetDateTime.parse("2026-10-26T00:00:00+01:00"));
    }

    @Test
    void tokyoDatesAndNewYorkDstGiveTheDownstreamSessionOfThatDate() {
        Correlation tokyo = new Correlation(CorrelateBy.SESSION_DATE, "Asia/Tokyo", null, null);
        Rule rule = rule("bi", "bi", Match.ALL, null, tokyo, Rule.DEFAULT_WINDOW, "game");
        Evaluation evaluation = evaluate(rule, "2026-11-24", condition("game", "2026-11-24T13:00:00+09:00",
                "2026-11-24T05:00:00Z"));
        assertThat(evaluation.downstreamSession(rule)).isEqualTo(OffsetDateTime.parse(SESSION));
        Correlation newYork = new Correlation(CorrelateBy.SESSION_DATE, "America/New_York", null, "-P1D");
        Rule dayBefore = rule("bi", "bi", Match.ALL, null, newYork, Rule.DEFAULT_WINDOW, "game");
        assertThat(evaluate(dayBefore, "2026-03-09", condition("game", "2026-03-09T06:00:00-04:00",
                "2026-03-09T11:00:00Z")).downstreamSession(dayBefore))
                .isEqualTo(OffsetDateTime.parse("2026-03-08T00:00:00-05:00"));
    }
}
