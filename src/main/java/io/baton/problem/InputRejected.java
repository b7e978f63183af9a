package io.baton.problem;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;

/** A request body token outside {@link InputLimits}, with the JSON path of the field it was read for. */
public class InputRejected extends JsonParseException {

    private final String field;
    private final String reason;

    InputRejected(JsonParser parser, String field, String reason) {
        super(parser, field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }
}
