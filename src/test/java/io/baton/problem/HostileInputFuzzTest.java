package io.baton.problem;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.BatonTestServices;
import io.baton.TestTokens;
import io.baton.emulator.DigdagEmulator;
import io.baton.security.Caller;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.smallrye.jwt.build.Jwt;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sends generated hostile requests, as a writer of some team (or a token with a malformed team claim) would, to every
 * write endpoint and to the path and query parameters of the read endpoints: control characters in every string field
 * and parameter, lengths at and past every column limit, extreme numbers, instants and durations, deep nesting, enums
 * given as other types, duplicate keys. Asserts no 5xx, a problem+json for every 4xx (a 400 names the field), and not
 * a row written by any rejected request. Seeded ({@code -Dbaton.fuzz.seed}) so a failure reproduces.
 */
@QuarkusTest
@TestProfile(HostileInputProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class HostileInputFuzzTest {

    private static final long SEED = Long.getLong("baton.fuzz.seed", 15L);
    private static final int REQUESTS = Integer.getInteger("baton.fuzz.requests", 1000);
    private static final String TEAM = "fuzz";
    private static final String FIRE_RULE = "fuzz-fire-base";
    private static final String DELETE_RULE = "fuzz-delete-base";
    private static final String PROJECT = HostileInputProfile.FUZZ_PROJECT;
    /**
     * Tables any write endpoint writes to. The outbox counts Digdag completions too: the class starts on a reset
     * emulator, so the watcher has no attempt of another test to publish in the background.
     */
    private static final String COUNTS = "SELECT (SELECT count(*) FROM rules), (SELECT count(*) FROM rule_audit), "
            + "(SELECT count(*) FROM trigger_run), (SELECT count(*) FROM trigger_condition), "
            + "(SELECT count(*) FROM event_outbox), (SELECT count(*) FROM caller_audit)";

    private static final char[] CONTROLS = {'\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\r', '\u001b', '\u001f',
            '\u007f', '\u0085', '\u009f'};
    /** At and past the limits: slugs 63, event ids and types 200, names 255, sources 400, parameters 1000, texts 2000. */
    private static final int[] LENGTHS = {62, 63, 64, 199, 200, 201, 254, 255, 256, 399, 400, 401, 999, 1000, 1001,
            1999, 2000, 2001, 2002, 70_000};
    private static final String[] NUMBERS = {"1e400", "-1e400", "1.7976931348623159e308", "9223372036854775808",
            "-9223372036854775809", "123456789012345678901234567890123456789012345", "-0", "4.9e-325", "0.5",
            "1" + "0".repeat(38), "1" + "0".repeat(39)};
    private static final String[] SPANS = {"P999999999Y", "PT2562047788015215H", "P-999999999Y", "-P999999999Y",
            "P367D", "P366D", "-P366D", "-P367D", "PT8784H", "PT8785H", "P1Y", "P1Y1D", "P13M", "P53W", "P0D", "PT0S",
            "-PT1H", "PT1M", "PT30S", "P1D\u0000", "PT1H\n", "", "1 day", "PT" + "9".repeat(40) + "S"};
    /** A fire refuses each of these: out of range, out of range once shifted by the fire rule's P1D, or malformed. */
    private static final String[] INSTANTS = {"+999999999-12-31T23:59:59-18:00", "-999999999-01-01T00:00:00+18:00",
            "1969-12-31T23:59:59Z", "1969-12-31", "9999-12-31T12:00:00Z", "9999-12-31", "10000-01-01T00:00:00Z",
            "+10000-01-01", "0000-01-01", "2026-02-30", "2026-11-24T25:00:00+09:00", "2026-11-24T00:00:00+19:00",
            "2026-11-24T00:00:00", "2026-11-24\u0000", "", "yesterday", "2026-11-24T00:00:00+09:00\u0001"};
    private static final String[] ENUMS = {"1", "0", "-1", "2.5", "true", "\"ALL\"", "\"All\"", "\"\"", "\"any \"",
            "\"\\u0000all\"", "[\"all\"]", "{\"v\":\"all\"}", "\"success\\n\"", "99999999999999999999"};
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Escapes every non-ASCII character, so lone surrogates reach the server as written. */
    private final ObjectMapper json = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    private final DigdagEmulator emulator = BatonTestServices.emulator();

    @Inject
    EntityManager entityManager;

    private record Request(String label, String method, String path, String body, String token) {
    }

    @Test
    void hostileRequestsGetAProblemNamingTheFieldAndWriteNothing() {
        emulator.project(PROJECT).workflow("etl", "UTC", sequence(task("extract"), task("load")));
        emulator.project(PROJECT).workflow("report", "UTC", sequence(task("build")));
        ObjectNode fireRule = rule(FIRE_RULE);
        ((ObjectNode) fireRule.get("correlation")).put("downstreamShift", "P1D");
        given().auth().oauth2(writer()).contentType("application/json").body(fireRule.toString())
                .put("/api/v1/rules/" + FIRE_RULE).then().statusCode(201);
        given().auth().oauth2(writer()).contentType("application/json").body(rule(DELETE_RULE).toString())
                .put("/api/v1/rules/" + DELETE_RULE).then().statusCode(201);

        Random random = new Random(SEED);
        Map<Integer, Integer> byStatus = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        long started = System.nanoTime();
        List<Long> before = counts();
        for (int i = 0; i < REQUESTS; i++) {
            Request request = generate(random, i);
            Response response = send(request);
            int status = response.statusCode();
            byStatus.merge(status, 1, Integer::sum);
            // Nothing writes asynchronously here (no fire is accepted), so one count per request tells what it wrote.
            List<Long> after = counts();
            String failure = check(response, before, after);
            before = after;
            if (failure != null) {
                failures.add("#" + i + " " + request.label() + " " + request.method() + " " + abbreviate(request.path())
                        + " -> " + status + ": " + failure);
            }
        }
        System.out.printf("hostile input fuzz: seed %d, %d requests in %d ms, by status %s%n", SEED, REQUESTS,
                (System.nanoTime() - started) / 1_000_000, byStatus);
        assertThat(failures).as("seed %d", SEED).isEmpty();
        assertThat(byStatus.keySet()).as("the generator reaches both accepted and rejected requests")
                .anyMatch(status -> status < 300).anyMatch(status -> status == 400);
    }

    private String check(Response response, List<Long> before, List<Long> after) {
        int status = response.statusCode();
        if (status >= 500) {
            return "server error " + abbreviate(response.asString());
        }
        if (status < 400) {
            return null;
        }
        // A request line over 4 KiB is refused by the HTTP server (Vert.x) before any Baton code, without a body.
        if (status != 414 && !String.valueOf(response.contentType()).startsWith(Problem.MEDIA_TYPE)) {
            return "not problem+json: " + response.contentType();
        }
        JsonNode problem = status == 414 ? NODES.objectNode().put("status", 414) : response.as(JsonNode.class);
        if (problem.path("status").asInt() != status) {
            return "problem status " + problem.path("status");
        }
        if (status == 400 && (!problem.path("errors").isArray() || problem.path("errors").isEmpty()
                || problem.path("errors").findValues("field").stream().anyMatch(f -> f.asText().isBlank()))) {
            return "a 400 that names no field: " + problem;
        }
        if (!after.equals(before)) {
            return "rows written by a rejected request: " + before + " -> " + after;
        }
        return null;
    }

    private Request generate(Random random, int i) {
        return switch (random.nextInt(13)) {
            case 0 -> new Request("rule-create", "POST", "/api/v1/rules", mutate(random, rule("f" + i)), token(random));
            case 1 -> new Request("rule-put", "PUT", "/api/v1/rules/f" + i, mutate(random, rule("f" + i)),
                    token(random));
            case 2 -> new Request("rule-validate", "POST", "/api/v1/rules:validate", mutate(random, rule("f" + i)),
                    token(random));
            case 3 -> {
                String name = hostile(random, "f" + i);
                ObjectNode body = rule(name);
                yield new Request("rule-put-name", "PUT", "/api/v1/rules/" + encode(name), body.toString(),
                        token(random));
            }
            case 4 -> random.nextBoolean()
                    ? new Request("rule-patch-name", "PATCH", "/api/v1/rules/" + encode(hostile(random, FIRE_RULE)),
                    "{\"enabled\":true}", token(random))
                    : new Request("rule-patch-body", "PATCH", "/api/v1/rules/" + FIRE_RULE,
                    "{\"enabled\":" + pick(random, ENUMS) + "}", token(random));
            case 5 -> new Request("rule-delete", "DELETE", "/api/v1/rules/" + encode(hostile(random, DELETE_RULE)), null,
                    token(random));
            case 6 -> readRule(random);
            case 7 -> random.nextInt(4) == 0
                    ? new Request("fire-name", "POST", "/api/v1/rules/" + encode(hostile(random, FIRE_RULE))
                    + "/fire?session=2026-11-24", null, token(random))
                    : new Request("fire-session", "POST", "/api/v1/rules/" + FIRE_RULE + "/fire?session="
                    + encode(pick(random, INSTANTS)), null, token(random));
            case 8 -> new Request("event", "POST", "/api/v1/events", mutate(random, event(i)), token(random));
            case 9 -> digdagWrite(random, i);
            case 10 -> digdagRead(random);
            case 11 -> duplicateKey(random, i);
            default -> deepNesting(random, i);
        };
    }

    // ---- bodies

    private ObjectNode rule(String name) {
        ObjectNode rule = NODES.objectNode().put("name", name).put("team", TEAM).put("description", "fuzzed\nrule")
                .put("enabled", true).put("match", "all").put("window", "PT24H");
        ArrayNode upstreams = rule.putArray("upstreams");
        upstreams.addObject().put("id", "load").putObject("digdag").put("server", "main").put("project", PROJECT)
                .put("workflow", "etl").put("task", "+etl+load").put("outcome", "success");
        upstreams.addObject().putObject("event").put("type", "com.example.fuzz.rule").put("subject", "daily");
        rule.putObject("correlation").put("by", "session_date").put("zone", "UTC").put("upstreamEvery", "PT1H")
                .put("downstreamShift", "P0D");
        rule.putObject("deadline").put("time", "07:00").put("zone", "Asia/Tokyo");
        ObjectNode action = rule.putObject("action").put("server", "main").put("project", PROJECT)
                .put("workflow", "report").put("ifFailed", "none");
        action.putObject("params").put("date", "${upstream.session_date}").putObject("nested").put("k", "v");
        return rule;
    }

    private static ObjectNode event(int i) {
        ObjectNode event = NODES.objectNode().put("specversion", "1.0").put("id", "fuzz-" + i)
                .put("type", "com.example.fuzz.event").put("source", "urn:fuzz").put("subject", "daily")
                .put("time", "2026-11-24T00:00:00Z");
        event.putObject("data").put("sessionDate", "2026-11-24").put("sessionTime", "2026-11-24T00:00:00+09:00")
                .putObject("detail").put("rows", 12);
        return event;
    }

    /** One leaf of the body replaced by a hostile value of a kind that fits (or pointedly does not fit) the field. */
    private String mutate(Random random, ObjectNode body) {
        List<String> paths = new ArrayList<>();
        leaves(body, "", paths);
        String path = paths.get(random.nextInt(paths.size()));
        String field = path.substring(path.lastIndexOf('/') + 1);
        String raw = switch (field) {
            case "match", "outcome", "by", "ifFailed", "enabled", "specversion" -> pick(random, ENUMS);
            case "window", "upstreamEvery", "downstreamShift" -> quote(random.nextInt(4) == 0
                    ? hostile(random, "PT1H") : pick(random, SPANS));
            case "time", "sessionTime", "sessionDate" -> quote(random.nextInt(4) == 0
                    ? hostile(random, "2026-11-24") : pick(random, INSTANTS));
            case "source" -> quote(random.nextBoolean() ? pick(random, reservedSources()) : hostile(random, "urn:fuzz"));
            default -> switch (random.nextInt(10)) {
                case 0 -> pick(random, NUMBERS);
                case 1 -> pick(random, new String[]{"true", "[]", "{}", "null", "[\"x\"]", "{\"x\":1}"});
                default -> quote(hostile(random, ((JsonNode) body.at(path)).asText()));
            };
        };
        String marker = "__FUZZ__";
        set(body, path, marker);
        return write(body).replace("\"" + marker + "\"", raw);
    }

    private static void leaves(JsonNode node, String path, List<String> paths) {
        if (node.isContainerNode()) {
            if (node.isObject()) {
                node.fieldNames().forEachRemaining(name -> leaves(node.get(name), path + "/" + name, paths));
            } else {
                for (int i = 0; i < node.size(); i++) {
                    leaves(node.get(i), path + "/" + i, paths);
                }
            }
        } else {
            paths.add(path);
        }
    }

    private static void set(ObjectNode body, String path, String value) {
        String parentPath = path.substring(0, path.lastIndexOf('/'));
        String field = path.substring(path.lastIndexOf('/') + 1);
        JsonNode parent = parentPath.isEmpty() ? body : body.at(parentPath);
        if (parent.isArray()) {
            ((ArrayNode) parent).set(Integer.parseInt(field), NODES.textNode(value));
        } else {
            ((ObjectNode) parent).put(field, value);
        }
    }

    private Request duplicateKey(Random random, int i) {
        return switch (random.nextInt(4)) {
            case 0 -> new Request("dup-rule", "POST", "/api/v1/rules", duplicate(rule("f" + i), "name"), token(random));
            case 1 -> new Request("dup-event", "POST", "/api/v1/events", duplicate(event(i), "id"), token(random));
            case 2 -> new Request("dup-nested", "POST", "/api/v1/events",
                    write(event(i)).replace("\"rows\":12", "\"rows\":12,\"rows\":13"), token(random));
            default -> new Request("dup-start", "POST", digdagSession(PROJECT, "2026-11-24") + ":start",
                    "{\"params\":{\"a\":1,\"a\":2}}", writer());
        };
    }

    private String duplicate(ObjectNode body, String key) {
        return "{\"" + key + "\":\"dup\"," + write(body).substring(1);
    }

    private Request deepNesting(Random random, int i) {
        int depth = new int[]{28, 30, 31, 32, 33, 40, 100, 996, 1001, 5000}[random.nextInt(10)];
        String nested = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        String marker = "\"__DEEP__\"";
        return switch (random.nextInt(3)) {
            case 0 -> {
                ObjectNode rule = rule("f" + i);
                ((ObjectNode) rule.get("action")).put("params", "__DEEP__");
                yield new Request("deep-rule", "POST", "/api/v1/rules", write(rule).replace(marker, nested),
                        token(random));
            }
            case 1 -> {
                ObjectNode event = event(i);
                event.put("data", "__DEEP__");
                yield new Request("deep-event", "POST", "/api/v1/events", write(event).replace(marker, nested),
                        token(random));
            }
            default -> new Request("deep-start", "POST", digdagSession(PROJECT, "2026-11-2" + random.nextInt(10))
                    + ":start", "{\"params\":" + nested + "}", writer());
        };
    }

    // ---- parameters

    private Request readRule(Random random) {
        String name = encode(hostile(random, FIRE_RULE));
        return switch (random.nextInt(6)) {
            case 0 -> new Request("rule-get", "GET", "/api/v1/rules/" + name, null, writer());
            case 1 -> new Request("rule-history", "GET", "/api/v1/rules/" + name + "/history", null, writer());
            case 2 -> new Request("rule-explain", "GET", "/api/v1/rules/" + FIRE_RULE + "/explain?session="
                    + encode(pick(random, INSTANTS)), null, writer());
            case 3 -> new Request("rule-runs", "GET", "/api/v1/rules/" + FIRE_RULE + "/runs?from="
                    + encode(pick(random, INSTANTS)) + "&to=" + encode(pick(random, INSTANTS)), null, writer());
            case 4 -> new Request("rule-explain-name", "GET", "/api/v1/rules/" + name + "/explain?session=2026-11-24",
                    null, writer());
            default -> new Request("rule-list", "GET", "/api/v1/rules?" + pick(random,
                    new String[]{"team", "upstream", "downstream", "enabled", "page", "size"}) + "="
                    + encode(random.nextBoolean() ? hostile(random, "fuzz") : pick(random, NUMBERS)), null, writer());
        };
    }

    private Request digdagWrite(Random random, int i) {
        String server = "main";
        String project = PROJECT;
        String workflow = "etl";
        String session = "2026-11-" + (10 + random.nextInt(18));
        String body = "{\"params\":{\"region\":\"jp\"}}";
        switch (random.nextInt(6)) {
            case 0 -> server = hostile(random, server);
            case 1 -> project = hostile(random, project);
            case 2 -> workflow = hostile(random, workflow);
            case 3 -> session = pick(random, INSTANTS);
            case 4 -> body = "{\"params\":{\"region\":" + quote(hostile(random, "jp")) + "}}";
            default -> body = "{\"params\":{" + quote(hostile(random, "region")) + ":\"jp\"}}";
        }
        String verb = random.nextBoolean() ? ":start" : ":retry" + (random.nextInt(4) == 0 ? "?resume="
                + encode(hostile(random, "failed")) : "");
        return new Request("digdag" + verb.replaceAll("\\?.*", ""), "POST", "/api/v1/digdag/" + encode(server)
                + "/projects/" + encode(project) + "/workflows/" + encode(workflow) + "/sessions/" + encode(session)
                + verb, body, token(random));
    }

    private Request digdagRead(Random random) {
        String session = encode(pick(random, INSTANTS));
        return switch (random.nextInt(3)) {
            case 0 -> new Request("digdag-status", "GET", digdagSession(PROJECT, session), null, writer());
            case 1 -> new Request("digdag-task", "GET", digdagSession(PROJECT, "2026-11-24") + "/tasks/"
                    + encode(hostile(random, "+etl+load")), null, writer());
            default -> new Request("digdag-wait", "GET", digdagSession(PROJECT, session) + "/tasks/load/wait?timeout="
                    + encode(pick(random, SPANS)) + "&state=" + encode(hostile(random, "success")), null, writer());
        };
    }

    private static String digdagSession(String project, String session) {
        return "/api/v1/digdag/main/projects/" + project + "/workflows/etl/sessions/" + session;
    }

    private static String[] reservedSources() {
        String digdag = BatonTestServices.emulator().url();
        return new String[]{digdag, digdag + "/", digdag.toUpperCase(), digdag + "/api/attempts", "urn:baton",
                "URN:BATON", "urn:baton:trigger", "urn:baton/"};
    }

    // ---- values

    private static String hostile(Random random, String valid) {
        return switch (random.nextInt(9)) {
            case 0, 1, 2 -> {
                int at = random.nextInt(valid.length() + 1);
                yield valid.substring(0, at) + CONTROLS[random.nextInt(CONTROLS.length)] + valid.substring(at);
            }
            case 3, 4 -> "a".repeat(LENGTHS[random.nextInt(LENGTHS.length)]);
            case 5 -> valid + (random.nextBoolean() ? "\uD800" : "\uDC00x");
            case 6 -> pick(random, new String[]{"", " ", "\u00a0", "\u2028", "\uFEFF"});
            case 7 -> "名前🚀" + valid;
            default -> valid + pick(random, new String[]{"%00", "'; DROP TABLE rules;--", "${jndi:ldap://x}", "../..",
                    "\\u0000", "/", "?", "#"});
        };
    }

    private String token(Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> Jwt.issuer(BatonTestServices.TestKeys.ISSUER).subject("numeric-team").claim("team", 42)
                    .groups(Set.of(Caller.WRITER)).expiresIn(600).sign();
            case 1 -> Jwt.issuer(BatonTestServices.TestKeys.ISSUER).subject("array-team")
                    .claim("team", List.of(TEAM, "bi")).groups(Set.of(Caller.WRITER)).expiresIn(600).sign();
            case 2 -> TestTokens.writer("bi");
            default -> writer();
        };
    }

    private static String writer() {
        return TestTokens.writer(TEAM);
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }

    private String quote(String text) {
        return write(NODES.textNode(text));
    }

    private String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Percent-encodes all but unreserved characters, as UTF-8 (a lone surrogate becomes '?'). */
    private static String encode(String text) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                encoded.append(c);
            } else {
                encoded.append('%').append(String.format("%02X", (int) c));
            }
        }
        return encoded.toString();
    }

    private static String abbreviate(String text) {
        return text == null || text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }

    private Response send(Request request) {
        RequestSpecification spec = given().urlEncodingEnabled(false).auth().oauth2(request.token());
        if (request.body() != null) {
            spec = spec.contentType("application/json").body(request.body().getBytes(StandardCharsets.UTF_8));
        }
        return spec.request(request.method(), request.path());
    }

    private List<Long> counts() {
        Object[] row = QuarkusTransaction.requiringNew().call(() ->
                (Object[]) entityManager.createNativeQuery(COUNTS).getSingleResult());
        return Arrays.stream(row).map(value -> ((Number) value).longValue()).toList();
    }
}
