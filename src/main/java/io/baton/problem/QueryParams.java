package io.baton.problem;

/** Parses query parameters so that a bad value is a 400 naming the parameter, not JAX-RS' bare 404. */
public final class QueryParams {

    private QueryParams() {
    }

    public static int integer(String name, String value, int defaultValue, int min, int max) {
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ProblemException.invalid(name, "must be an integer from " + min + " to " + max);
    }

    public static Boolean bool(String name, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.equals("true") || value.equals("false")) {
            return Boolean.valueOf(value);
        }
        throw ProblemException.invalid(name, "must be true or false");
    }
}
