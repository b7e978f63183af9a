package io.baton.digdag;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.baton.emulator.ExchangeCheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Digdag's published API description ({@code ../shared/digdag-api/swagger.yaml}) with the corrections of
 * {@code API-NOTES.md} applied, as a validator of requests and answers (Atlassian's swagger-request-validator).
 * The spec is patched in memory, each patch saying which note it follows; the file itself stays as Digdag
 * published it.
 */
public final class DigdagApiContract implements ExchangeCheck {

    /** Where Digdag's API description lives: {@code shared/} beside the project. */
    public static final Path API_DIR = Path.of(System.getProperty("baton.test.digdag-api", "../shared/digdag-api"));

    private static DigdagApiContract shared;

    private static final int REMEMBERED = 10_000;

    private final OpenApiInteractionValidator validator;
    private final boolean strictRequests;
    /** Pollers repeat identical exchanges; validating each once keeps the shared emulator fast. */
    private final Map<Exchange, List<String>> checked = Collections.synchronizedMap(
            new LinkedHashMap<>(REMEMBERED, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Exchange, List<String>> eldest) {
                    return size() > REMEMBERED;
                }
            });

    private DigdagApiContract(String spec, boolean strictRequests) {
        this.validator = OpenApiInteractionValidator.createForInlineApiSpecification(spec).build();
        this.strictRequests = strictRequests;
    }

    /** Checks requests and answers: what the shared test emulator uses. */
    public static synchronized DigdagApiContract shared() {
        if (shared == null) {
            shared = new DigdagApiContract(correctedSpec(), true);
        }
        return shared;
    }

    /** Checks answers only, for tests that send bad requests on purpose. */
    public static DigdagApiContract answersOnly() {
        return new DigdagApiContract(correctedSpec(), false);
    }

    @Override
    public List<String> check(Exchange exchange) {
        List<String> known = checked.get(exchange);
        if (known != null) {
            return known;
        }
        List<String> problems = validate(exchange);
        checked.put(exchange, problems);
        return problems;
    }

    private List<String> validate(Exchange exchange) {
        List<String> problems = new ArrayList<>();
        List<String> requestProblems = checkRequest(exchange);
        if (strictRequests) {
            problems.addAll(requestProblems);
        } else if (!requestProblems.isEmpty() && (exchange.status() < 400 || exchange.status() >= 500)) {
            problems.add("a request that breaks the contract was answered " + exchange.status() + ": "
                    + requestProblems);
        }
        problems.addAll(checkAnswer(exchange));
        return problems;
    }

    /** Problems of the request alone. */
    public List<String> checkRequest(Exchange exchange) {
        return messages("request", validator.validateRequest(request(exchange)));
    }

    /** Problems of the answer alone. */
    public List<String> checkAnswer(Exchange exchange) {
        SimpleResponse.Builder response = SimpleResponse.Builder.status(exchange.status())
                .withContentType(exchange.responseContentType());
        if (!exchange.responseBody().isEmpty()) {
            response.withBody(exchange.responseBody());
        }
        return messages("answer", validator.validateResponse(exchange.path(), request(exchange).getMethod(),
                response.build()));
    }

    private static Request request(Exchange exchange) {
        SimpleRequest.Builder request = new SimpleRequest.Builder(exchange.method(), exchange.path());
        exchange.requestHeaders().forEach((name, values) -> request.withHeader(name, values));
        if (!exchange.requestBody().isEmpty()) {
            request.withBody(exchange.requestBody());
        }
        if (exchange.query() != null) {
            for (String pair : exchange.query().split("&")) {
                int eq = pair.indexOf('=');
                request.withQueryParam(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return request.build();
    }

    private static List<String> messages(String side, ValidationReport report) {
        return report.getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .map(m -> side + " " + m.getKey() + ": " + m.getMessage())
                .toList();
    }

    // ---- the corrected spec

    /** swagger.yaml with API-NOTES.md's corrections, as JSON. */
    static String correctedSpec() {
        try {
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
            ObjectNode spec = (ObjectNode) yaml.readTree(API_DIR.resolve("swagger.yaml").toFile());
            correct(spec);
            return new ObjectMapper().writeValueAsString(spec);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Digdag's API description in " + API_DIR.toAbsolutePath(), e);
        }
    }

    private static void correct(ObjectNode spec) {
        ObjectNode definitions = (ObjectNode) spec.get("definitions");
        ObjectNode paths = (ObjectNode) spec.get("paths");

        // Digdag's generated spec repeats some operationIds (getSessions, getWorkflowDefinition, ...), which the
        // parser rejects; a repeated one gets a numbered suffix.
        Set<String> operationIds = new HashSet<>();
        paths.forEach(path -> path.forEach(operation -> {
            String id = operation.path("operationId").asText();
            for (int n = 2; !operationIds.add(id); n++) {
                id = operation.get("operationId").asText() + n;
            }
            ((ObjectNode) operation).put("operationId", id);
        }));

        // "IDs are JSON strings" (the spec has an empty object type).
        definitions.set("Id", object("type", "string", "pattern", "^[0-9]+$"));
        // "Instants ... always UTC and have second precision ... yyyy-MM-dd'T'HH:mm:ss'Z'" (the spec has int64).
        definitions.set("Instant", object("type", "string", "pattern", "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$"));
        // "sessionTime ... pattern yyyy-MM-dd'T'HH:mm:ssxxx (the offset is never written as Z)" (the spec has an
        // object of the Java fields of OffsetDateTime).
        definitions.set("OffsetDateTime",
                object("type", "string", "pattern", "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[+-]\\d\\d:\\d\\d$"));
        // Config objects (params, config, exportParams, error, ...) are free JSON objects, not the Java fields of
        // Digdag's Config class.
        definitions.set("Config", object("type", "object", "additionalProperties", true));
        // The error body: {"message":"...","status":NNN}.
        definitions.set("RestError", strict(object("type", "object", "properties", object(
                "message", object("type", "string"), "status", object("type", "integer")))));
        // "timezone field is a string such as UTC or Asia/Tokyo" (the spec has ZoneId's Java fields).
        for (String name : List.of("RestWorkflowDefinition", "RestWorkflowSessionTime")) {
            properties(definitions, name).set("timezone", object("type", "string"));
        }

        ObjectNode project = properties(definitions, "RestProject");
        instants(project, false, "createdAt", "updatedAt");
        instants(project, true, "deletedAt");
        project.set("archiveMd5", object("type", "string"));

        ObjectNode attempt = properties(definitions, "RestSessionAttempt");
        instants(attempt, false, "createdAt");
        instants(attempt, true, "finishedAt");
        nullable(attempt, "retryAttemptName");

        // RestSession.lastAttempt: "{id, retryAttemptName, done, success, cancelRequested, params, createdAt,
        // finishedAt}"
        ObjectNode lastAttempt = properties(definitions, "Attempt");
        instants(lastAttempt, false, "createdAt");
        instants(lastAttempt, true, "finishedAt");
        nullable(lastAttempt, "retryAttemptName");

        // RestTask: "isGroup (bool)" where the spec says group; parentId null for the root; retryAt and startedAt
        // null unless set.
        ObjectNode task = properties(definitions, "RestTask");
        task.remove("group");
        task.set("isGroup", object("type", "boolean"));
        instants(task, false, "updatedAt");
        instants(task, true, "retryAt", "startedAt");
        nullable(task, "parentId");

        // "workflow.id ... can be null if the definition is gone"
        nullable(properties(definitions, "NameOptionalId"), "id");

        // Schedules ("RestSchedule (GET): id, project{id,name}, workflow{id,name}, nextRunTime (UTC instant),
        // nextScheduleTime (offset date-time in the workflow's timezone), disabledAt (null or instant).
        // RestScheduleSummary (the POST answers) adds createdAt and updatedAt"; the spec has int64 instants).
        ObjectNode schedule = properties(definitions, "RestSchedule");
        instants(schedule, false, "nextRunTime");
        instants(schedule, true, "disabledAt");
        ObjectNode scheduleSummary = properties(definitions, "RestScheduleSummary");
        instants(scheduleSummary, false, "nextRunTime", "createdAt", "updatedAt");
        instants(scheduleSummary, true, "disabledAt");
        // Skip: "dryRun (required) and either nextTime or fromTime+count; optional nextRunTime (instant)"; nextTime
        // is a local date-time in the workflow's timezone or an instant.
        ObjectNode skipRequest = (ObjectNode) definitions.get("RestScheduleSkipRequest");
        ObjectNode skip = (ObjectNode) skipRequest.get("properties");
        skip.set("nextTime", object("type", "string"));
        instants(skip, false, "fromTime", "nextRunTime");
        skipRequest.set("required", array("dryRun"));
        skipRequest.put("additionalProperties", false);
        // Enable: "a JSON body is required ... Optional skipSchedule (bool) and nextTime (local date-time)".
        ((ObjectNode) definitions.get("RestScheduleEnableRequest")).put("additionalProperties", false);
        for (String action : List.of("enable", "skip")) {
            for (JsonNode parameter : paths.get("/api/schedules/{id}/" + action).get("post").get("parameters")) {
                if ("body".equals(parameter.get("in").asText())) {
                    ((ObjectNode) parameter).put("required", true);
                }
            }
        }

        // Every field the notes list is always there, and no other ("Fields: ...").
        for (String name : List.of("RestProject", "RestWorkflowDefinition", "RestSessionAttempt", "RestSession",
                "Attempt", "RestTask", "IdAndName", "NameOptionalId", "RestSchedule", "RestScheduleSummary")) {
            strict((ObjectNode) definitions.get(name));
        }

        // PUT /api/attempts body: "params is required"; sessionTime is "any ISO string that includes an offset";
        // resume is {"attemptId":"7","mode":"failed"} or {..., "mode":"from","from":"+wf+task"}.
        ObjectNode startRequest = (ObjectNode) definitions.get("RestSessionAttemptRequest");
        ((ObjectNode) startRequest.get("properties")).set("sessionTime", object("type", "string",
                "pattern", "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?(Z|[+-]\\d\\d:\\d\\d)$"));
        startRequest.set("required", array("workflowId", "sessionTime", "params"));
        startRequest.put("additionalProperties", false);
        definitions.set("Resume", object("type", "object", "additionalProperties", false,
                "required", array("attemptId", "mode"), "properties", object(
                        "attemptId", object("$ref", "#/definitions/Id"),
                        "mode", object("type", "string", "enum", array("failed", "from")),
                        "from", object("type", "string"))));

        // GET /api/version answers {"version":"0.10.6-SNAPSHOT"}: a string, not an object.
        response(paths, "/api/version", "get", 200, "version",
                object("type", "object", "properties", object("version", object("type", "string"))));
        // GET /api/projects also takes count and last_id (id > last_id, ascending).
        addQuery(paths, "/api/projects", "count", "integer");
        addQuery(paths, "/api/projects", "last_id", "integer");
        // GET /api/projects/{id}/workflows: "revision (default: latest)" is optional.
        for (JsonNode parameter : paths.get("/api/projects/{id}/workflows").get("get").get("parameters")) {
            if ("revision".equals(parameter.get("name").asText())) {
                ((ObjectNode) parameter).put("required", false);
            }
        }
        // PUT /api/attempts: 200 with the attempt, or 409 "with the conflicting attempt as the body".
        ObjectNode attemptSchema = object("$ref", "#/definitions/RestSessionAttempt");
        response(paths, "/api/attempts", "put", 200, "the new attempt", attemptSchema);
        response(paths, "/api/attempts", "put", 409, "the conflicting attempt", attemptSchema);
        // POST /api/attempts/{id}/kill: "The body and content type are optional"; 200 with the attempt, 409 once
        // it is done.
        ArrayNode killParameters = (ArrayNode) paths.get("/api/attempts/{id}/kill").get("post").get("parameters");
        killParameters.add(object("in", "body", "name", "body", "required", false,
                "schema", object("type", "object")));
        response(paths, "/api/attempts/{id}/kill", "post", 200, "the attempt before the kill", attemptSchema);
        // "Errors use the body {"message":"...","status":NNN}. The codes are 404, 400 and 409."
        paths.fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(operation -> {
            ObjectNode responses = (ObjectNode) operation.getValue().get("responses");
            responses.remove("default");
            for (int status : new int[] {400, 404, 409}) {
                if (!responses.has(String.valueOf(status))) {
                    responses.set(String.valueOf(status), object("description", "error",
                            "schema", object("$ref", "#/definitions/RestError")));
                }
            }
        }));
    }

    private static ObjectNode properties(ObjectNode definitions, String name) {
        return (ObjectNode) definitions.get(name).get("properties");
    }

    private static void instants(ObjectNode properties, boolean nullable, String... names) {
        for (String name : names) {
            properties.set(name, nullable ? object("type", "string", "x-nullable", true,
                    "pattern", "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$")
                    : object("$ref", "#/definitions/Instant"));
        }
    }

    private static void nullable(ObjectNode properties, String name) {
        JsonNode property = properties.get(name);
        if (property.has("$ref")) {
            // A $ref cannot carry x-nullable; inline what it points to.
            String target = property.get("$ref").asText();
            properties.set(name, object("type", "string", "pattern", "^[0-9]+$", "x-nullable", true));
            if (!target.endsWith("/Id")) {
                throw new IllegalStateException("only Id refs are made nullable, not " + target);
            }
        } else {
            ((ObjectNode) property).put("x-nullable", true);
        }
    }

    private static ObjectNode strict(ObjectNode definition) {
        ArrayNode required = definition.putArray("required");
        definition.get("properties").fieldNames().forEachRemaining(required::add);
        definition.put("additionalProperties", false);
        return definition;
    }

    private static void response(ObjectNode paths, String path, String method, int status, String description,
                                 ObjectNode schema) {
        ObjectNode responses = (ObjectNode) paths.get(path).get(method).get("responses");
        responses.set(String.valueOf(status), object("description", description, "schema", schema));
    }

    private static void addQuery(ObjectNode paths, String path, String name, String type) {
        ((ArrayNode) paths.get(path).get("get").get("parameters"))
                .add(object("name", name, "in", "query", "required", false, "type", type));
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode object(Object... namesAndValues) {
        ObjectNode node = JSON.createObjectNode();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            node.set((String) namesAndValues[i], JSON.valueToTree(namesAndValues[i + 1]));
        }
        return node;
    }

    private static ArrayNode array(String... values) {
        ArrayNode node = JSON.createArrayNode();
        for (String value : values) {
            node.add(value);
        }
        return node;
    }
}
