package io.baton.problem;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonParserDelegate;

import java.io.IOException;

/**
 * Checks each token of a request body as it is read, whatever type it is bound to (typed fields, maps and free-form
 * JSON alike): nesting depth, control characters in names and strings, number size, and duplicate keys by path. Jackson has no hook for
 * this on the read side (its constraints cover depth but not characters, and do not name the field).
 */
final class BoundedJsonParser extends JsonParserDelegate {

    BoundedJsonParser(JsonParser parser) {
        super(parser);
    }

    @Override
    public JsonToken nextToken() throws IOException {
        try {
            return check(super.nextToken());
        } catch (JsonParseException e) {
            throw named(e);
        }
    }

    @Override
    public JsonToken nextValue() throws IOException {
        try {
            return check(super.nextValue());
        } catch (JsonParseException e) {
            throw named(e);
        }
    }

    /**
     * Jackson's duplicate-key error names the key only in its message; the context already holds it, so the 400 can
     * name its path.
     */
    private JsonParseException named(JsonParseException e) {
        if (!(e instanceof InputRejected) && e.getOriginalMessage() != null
                && e.getOriginalMessage().startsWith("Duplicate")) {
            return reject(getParsingContext(), "is given more than once");
        }
        return e;
    }

    private JsonToken check(JsonToken token) throws IOException {
        if (token == null) {
            return null;
        }
        switch (token) {
            case START_OBJECT, START_ARRAY -> {
                if (getParsingContext().getNestingDepth() > InputLimits.MAX_JSON_DEPTH) {
                    throw reject(getParsingContext().getParent(), "must not nest objects and arrays more than "
                            + InputLimits.MAX_JSON_DEPTH + " deep");
                }
            }
            case FIELD_NAME -> {
                String bad = InputLimits.badCharacters(currentName(), false);
                if (bad != null) {
                    throw reject(getParsingContext().getParent(), "has a name that " + bad);
                }
            }
            case VALUE_STRING -> {
                String bad = InputLimits.badCharacters(getText(), true);
                if (bad != null) {
                    throw reject(getParsingContext(), bad);
                }
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                if (getTextLength() > InputLimits.MAX_NUMBER_LENGTH
                        || (token == JsonToken.VALUE_NUMBER_FLOAT && !Double.isFinite(getDoubleValue()))) {
                    throw reject(getParsingContext(), "must be a number of at most " + InputLimits.MAX_NUMBER_LENGTH
                            + " characters within the range of a double");
                }
            }
            default -> {
            }
        }
        return token;
    }

    private InputRejected reject(JsonStreamContext context, String reason) {
        return new InputRejected(this, path(context), reason);
    }

    /** The JSON path of the current value, e.g. {@code action.params.a[2]}; {@code body} at the top. */
    private static String path(JsonStreamContext context) {
        StringBuilder path = new StringBuilder();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject() && c.getCurrentName() != null) {
                path.insert(0, "." + c.getCurrentName());
            } else if (c.inArray()) {
                path.insert(0, "[" + c.getCurrentIndex() + "]");
            }
        }
        return path.isEmpty() ? "body" : path.charAt(0) == '.' ? path.substring(1) : path.toString();
    }
}
