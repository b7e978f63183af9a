package io.baton.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Placeholders in action params: found at any depth, resolved in string values only, unknown ones named. */
@Tag("unit")
class PlaceholdersTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return MAPPER.readTree(text.replace('\'', '"'));
    }

    @Test
    void unknownPlaceholdersAreNamedAtAnyDepth() throws Exception {
        JsonNode params = json("{'day': '${upstream.session_date}', 'nested': {'list': ['${downstream.sesion_time}', "
                + "'x ${rule.name} ${nope}']}, '${key.not.checked}': 1}");
        assertThat(Placeholders.unknown(params)).containsExactly("${downstream.sesion_time}", "${nope}");
        assertThat(Placeholders.unknown(json("{'a': '$notOne', 'b': 3}"))).isEmpty();
    }

    @Test
    void resolveReplacesEveryKnownValueAndLeavesTheInputAlone() throws Exception {
        JsonNode params = json("{'day': '${upstream.session_date}', 'list': ['${rule.name}/${rule.name}', 7], "
                + "'deep': {'at': 'from ${downstream.session_time}'}, 'price': '$5 ${unknown}'}");
        JsonNode resolved = Placeholders.resolve(params, Map.of(
                Placeholders.UPSTREAM_SESSION_DATE, "2026-11-24",
                Placeholders.RULE_NAME, "bi-daily",
                Placeholders.DOWNSTREAM_SESSION_TIME, "2026-11-24T00:00:00+09:00"));
        assertThat(resolved).isEqualTo(json("{'day': '2026-11-24', 'list': ['bi-daily/bi-daily', 7], "
                + "'deep': {'at': 'from 2026-11-24T00:00:00+09:00'}, 'price': '$5 ${unknown}'}"));
        assertThat(params.get("day").asText()).isEqualTo("${upstream.session_date}");
    }

    @Test
    void aValueWithDollarsOrBackslashesIsInsertedLiterally() throws Exception {
        JsonNode resolved = Placeholders.resolve(json("{'a': '${rule.name}'}"), Map.of(Placeholders.RULE_NAME,
                "$1 \\n"));
        assertThat(resolved.get("a").asText()).isEqualTo("$1 \\n");
    }
}
