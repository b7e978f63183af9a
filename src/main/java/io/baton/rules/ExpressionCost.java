package io.baton.rules;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelExpr;

/**
 * An upper bound of the evaluation steps of a checked CEL expression. CEL's Java implementation has no cost
 * estimator (cel-go's is not ported), so this one is written here: every node costs one step, a regular-expression
 * match {@link #REGEX_STEPS}, and a comprehension ({@code all}, {@code exists}, {@code map}, {@code filter}) runs its
 * body once per element: as many as a list literal has, else the runtime's iteration limit. Nested comprehensions
 * multiply, which is what makes an expression expensive.
 */
final class ExpressionCost {

    static final long REGEX_STEPS = 20;

    private final long unknownRangeSize;
    /** The comprehension with the highest cost, so an error can point at it; null when there is none. */
    private CelExpr heaviestLoop;
    private long heaviestLoopCost;

    private ExpressionCost(long unknownRangeSize) {
        this.unknownRangeSize = unknownRangeSize;
    }

    /** The estimate, and the expression id of the costliest comprehension (or of the root when there is none). */
    record Estimate(long steps, long expressionId) {
    }

    static Estimate of(CelAbstractSyntaxTree ast, long unknownRangeSize) {
        ExpressionCost cost = new ExpressionCost(unknownRangeSize);
        long steps = cost.steps(ast.getExpr());
        return new Estimate(steps, cost.heaviestLoop == null ? ast.getExpr().id() : cost.heaviestLoop.id());
    }

    private long steps(CelExpr expr) {
        return switch (expr.getKind()) {
            case SELECT -> 1 + steps(expr.select().operand());
            case CALL -> {
                long steps = "matches".equals(expr.call().function()) ? REGEX_STEPS : 1;
                if (expr.call().target().isPresent()) {
                    steps = add(steps, steps(expr.call().target().get()));
                }
                for (CelExpr arg : expr.call().args()) {
                    steps = add(steps, steps(arg));
                }
                yield steps;
            }
            case LIST -> expr.list().elements().stream().mapToLong(this::steps).reduce(1, ExpressionCost::add);
            case MAP -> expr.map().entries().stream().mapToLong(e -> add(steps(e.key()), steps(e.value())))
                    .reduce(1, ExpressionCost::add);
            case STRUCT -> expr.struct().entries().stream().mapToLong(e -> steps(e.value()))
                    .reduce(1, ExpressionCost::add);
            case COMPREHENSION -> loop(expr);
            default -> 1;
        };
    }

    private long loop(CelExpr expr) {
        CelExpr.CelComprehension loop = expr.comprehension();
        CelExpr range = loop.iterRange();
        long iterations = switch (range.getKind()) {
            case LIST -> range.list().elements().size();
            case MAP -> range.map().entries().size();
            default -> unknownRangeSize;
        };
        long body = add(steps(loop.loopCondition()), steps(loop.loopStep()));
        long steps = add(add(add(steps(range), steps(loop.accuInit())), multiply(iterations, body)),
                steps(loop.result()));
        if (steps >= heaviestLoopCost) {
            heaviestLoop = expr;
            heaviestLoopCost = steps;
        }
        return steps;
    }

    private static long add(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private static long multiply(long a, long b) {
        return b != 0 && a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }
}
