package io.baton.digdag;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import io.baton.emulator.ExchangeCheck;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Baton's own contract of the Digdag API ({@code src/test/resources/digdag-api/digdag-api.yaml}, OpenAPI 3.0, written
 * from the recordings of a real Digdag server in {@code samples/} beside it) as a validator of requests and answers
 * (Atlassian's swagger-request-validator).
 */
public final class DigdagApiContract implements ExchangeCheck {

    /** The contract, a test resource. */
    static final String SPEC = "digdag-api/digdag-api.yaml";

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
            shared = new DigdagApiContract(spec(), true);
        }
        return shared;
    }

    /** Checks answers only, for tests that send bad requests on purpose. */
    public static DigdagApiContract answersOnly() {
        return new DigdagApiContract(spec(), false);
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

    /** The contract file, from the test classpath. */
    static String spec() {
        try (InputStream spec = DigdagApiContract.class.getClassLoader().getResourceAsStream(SPEC)) {
            if (spec == null) {
                throw new IllegalStateException("no " + SPEC + " on the test classpath (src/test/resources)");
            }
            return new String(spec.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Baton's Digdag API contract " + SPEC, e);
        }
    }
}
