package io.baton.rules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelSourceLocation;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.baton.problem.FieldError;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The CEL side of rules: a rule's {@code condition} over its upstream ids and an upstream's {@code filter} over an
 * event. Both are compiled and type-checked when a rule is written ({@link #checkCondition}, {@link #checkFilter}) and
 * evaluated by the trigger engine from a cache of compiled programs. CEL has no side effects; evaluation is bounded by
 * {@link #MAX_COST} steps, checked before a rule is stored, and at runtime by {@link #MAX_ITERATIONS}.
 */
@ApplicationScoped
public class RuleExpressions {

    /** The most evaluation steps an expression may be estimated to take ({@link ExpressionCost}). */
    public static final long MAX_COST = 25_000;
    /** Comprehension iterations one evaluation may run; also the size assumed for a list of unknown length. */
    public static final int MAX_ITERATIONS = 1_000;
    /** Event variables a filter may use. */
    public static final List<String> FILTER_VARIABLES = List.of("data", "subject", "type", "time");

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");
    /** CEL's reserved words and literals, which cannot name a variable. */
    private static final Set<String> RESERVED = Set.of("true", "false", "null", "in", "as", "break", "const",
            "continue", "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return",
            "var", "void", "while");
    /** Compiled programs are kept per expression; far more than any installation has rules. */
    private static final int MAX_CACHED = 50_000;
    private static final String COUNT_OVERLOAD = "baton_count_list_bool";

    private final CelOptions options = CelOptions.current()
            .comprehensionMaxIterations(MAX_ITERATIONS)
            .enableHeterogeneousNumericComparisons(true)
            .build();
    private final CelCompiler filterCompiler = compiler()
            .addVar("data", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("subject", SimpleType.STRING)
            .addVar("type", SimpleType.STRING)
            .addVar("time", SimpleType.TIMESTAMP)
            .build();
    private final CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder()
            .setOptions(options)
            .addFunctionBindings(CelFunctionBinding.from(COUNT_OVERLOAD, List.class,
                    values -> values.stream().filter(Boolean.TRUE::equals).count()))
            .build();
    private final Map<String, CelRuntime.Program> programs = new ConcurrentHashMap<>();

    /** A failed compilation: one message per CEL issue, each with its 1-based line and column. */
    static final class InvalidExpression extends RuntimeException {
        final List<String> messages;

        InvalidExpression(List<String> messages) {
            super(String.join("; ", messages));
            this.messages = messages;
        }
    }

    /**
     * The name an upstream id has in a condition: dashes become underscores ({@code game-load} → {@code game_load}).
     * Ids never contain an underscore, so two ids never get the same name.
     */
    public static String identifier(String upstreamId) {
        return upstreamId.replace('-', '_');
    }

    /** @return the field errors of a condition over these upstream ids; none when it is valid */
    public List<FieldError> checkCondition(String field, String condition, List<String> upstreamIds) {
        List<FieldError> errors = new ArrayList<>();
        for (String id : upstreamIds) {
            String name = identifier(id);
            if (!IDENTIFIER.matcher(name).matches() || RESERVED.contains(name)) {
                errors.add(new FieldError(field, "upstream id '" + id + "' cannot be named in a condition ('" + name
                        + "' is not a CEL identifier: it must start with a letter and not be a reserved word)"));
            }
        }
        if (errors.isEmpty()) {
            collect(errors, field, () -> conditionProgram(condition, upstreamIds));
        }
        return errors;
    }

    /** @return the field errors of an upstream filter; none when it is valid */
    public List<FieldError> checkFilter(String field, String filter) {
        List<FieldError> errors = new ArrayList<>();
        collect(errors, field, () -> filterProgram(filter));
        return errors;
    }

    private static void collect(List<FieldError> errors, String field, Runnable compile) {
        try {
            compile.run();
        } catch (InvalidExpression e) {
            e.messages.forEach(message -> errors.add(new FieldError(field, message)));
        }
    }

    /**
     * Evaluates a checked condition.
     *
     * @param satisfied whether each upstream id is satisfied, by id (not by identifier)
     */
    public boolean condition(String condition, Map<String, Boolean> satisfied) {
        Map<String, Object> variables = new HashMap<>();
        satisfied.forEach((id, value) -> variables.put(identifier(id), value));
        try {
            return (Boolean) conditionProgram(condition, List.copyOf(satisfied.keySet())).eval(variables);
        } catch (CelEvaluationException e) {
            // Booleans and count() cannot fail; a failure here is a bug, not a false condition.
            throw new IllegalStateException("condition '" + condition + "' failed: " + e.getMessage(), e);
        }
    }

    /**
     * Whether an event passes a checked filter. An evaluation error (e.g. {@code data.rows} on an event without
     * {@code rows}) means it does not.
     */
    public boolean filter(String filter, FilterInput event) {
        Map<String, Object> variables = new HashMap<>();
        variables.put("data", event.data());
        variables.put("subject", event.subject() == null ? "" : event.subject());
        variables.put("type", event.type());
        variables.put("time", event.time());
        try {
            return (Boolean) filterProgram(filter).eval(variables);
        } catch (CelEvaluationException e) {
            return false;
        }
    }

    /**
     * What a filter sees of an event.
     *
     * @param data    the event's data as CEL values ({@link #celValue})
     * @param subject empty when the event has none
     */
    public record FilterInput(Map<String, Object> data, String subject, String type, Instant time) {
    }

    /** A JSON object as CEL values: maps, lists, int (64-bit), double, string, bool and null. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> celMap(JsonNode object) {
        return object == null || !object.isObject() ? Map.of() : (Map<String, Object>) celValue(object);
    }

    static Object celValue(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(field -> map.put(field.getKey(), celValue(field.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(element -> list.add(celValue(element)));
            return list;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.asLong();
        }
        if (node.isNumber()) {
            return node.asDouble();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        return node.isNull() ? NullValue.NULL_VALUE : node.asText();
    }

    private CelRuntime.Program conditionProgram(String condition, List<String> upstreamIds) {
        List<String> names = upstreamIds.stream().map(RuleExpressions::identifier).sorted().toList();
        return program("condition " + names + " " + condition, () -> {
            CelCompilerBuilder builder = compiler();
            names.forEach(name -> builder.addVar(name, SimpleType.BOOL));
            return builder.build();
        }, condition);
    }

    private CelRuntime.Program filterProgram(String filter) {
        return program("filter " + filter, () -> filterCompiler, filter);
    }

    private CelRuntime.Program program(String key, java.util.function.Supplier<CelCompiler> compiler, String text) {
        CelRuntime.Program cached = programs.get(key);
        if (cached != null) {
            return cached;
        }
        CelRuntime.Program compiled = compile(compiler.get(), text);
        if (programs.size() >= MAX_CACHED) {
            programs.clear();
        }
        programs.put(key, compiled);
        return compiled;
    }

    private CelRuntime.Program compile(CelCompiler compiler, String text) {
        CelValidationResult result = compiler.compile(text);
        if (result.hasError()) {
            throw new InvalidExpression(result.getAllIssues().stream()
                    .map(issue -> at(issue.getSourceLocation()) + issue.getMessage()).toList());
        }
        try {
            CelAbstractSyntaxTree ast = result.getAst();
            CelType type = ast.getResultType();
            if (!type.equals(SimpleType.BOOL)) {
                throw new InvalidExpression(List.of(at(CelSourceLocation.of(1, 0)) + "must be a boolean expression, "
                        + "not " + type.name() + (type.equals(SimpleType.DYN) ? " (compare it, e.g. data.ok == true)" : "")));
            }
            ExpressionCost.Estimate cost = ExpressionCost.of(ast, MAX_ITERATIONS);
            if (cost.steps() > MAX_COST) {
                Integer offset = ast.getSource().getPositionsMap().getOrDefault(cost.expressionId(), 0);
                CelSourceLocation location = ast.getSource().getOffsetLocation(offset).orElse(CelSourceLocation.of(1, 0));
                throw new InvalidExpression(List.of(at(location) + "too expensive: up to "
                        + (cost.steps() == Long.MAX_VALUE ? "unbounded" : String.format("%,d", cost.steps()))
                        + " evaluation steps, the limit is " + String.format("%,d", MAX_COST) + " (a list of unknown"
                        + " length counts as " + String.format("%,d", MAX_ITERATIONS) + " elements; nested loops multiply)"));
            }
            return runtime.createProgram(ast);
        } catch (CelValidationException | CelEvaluationException e) {
            throw new InvalidExpression(List.of(e.getMessage()));
        }
    }

    /** CEL's columns start at 0; people count from 1. */
    private static String at(CelSourceLocation location) {
        return "line " + Math.max(location.getLine(), 1) + ", column " + (location.getColumn() + 1) + ": ";
    }

    private CelCompilerBuilder compiler() {
        return CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(options)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addFunctionDeclarations(CelFunctionDecl.newFunctionDeclaration("count",
                        CelOverloadDecl.newGlobalOverload(COUNT_OVERLOAD, SimpleType.INT, ListType.create(SimpleType.BOOL))));
    }
}
