package io.baton.problem;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.IOContext;

import java.io.DataInput;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;

/** Creates {@link BoundedJsonParser}s that refuse duplicate keys. */
final class BoundedJsonFactory extends JsonFactory {

    BoundedJsonFactory() {
        enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    @Override
    public JsonFactory copy() {
        return new BoundedJsonFactory();
    }

    @Override
    protected JsonParser _createParser(InputStream in, IOContext context) throws IOException {
        return new BoundedJsonParser(super._createParser(in, context));
    }

    @Override
    protected JsonParser _createParser(Reader reader, IOContext context) throws IOException {
        return new BoundedJsonParser(super._createParser(reader, context));
    }

    @Override
    protected JsonParser _createParser(char[] data, int offset, int length, IOContext context, boolean recyclable)
            throws IOException {
        return new BoundedJsonParser(super._createParser(data, offset, length, context, recyclable));
    }

    @Override
    protected JsonParser _createParser(byte[] data, int offset, int length, IOContext context) throws IOException {
        return new BoundedJsonParser(super._createParser(data, offset, length, context));
    }

    @Override
    protected JsonParser _createParser(DataInput input, IOContext context) throws IOException {
        return new BoundedJsonParser(super._createParser(input, context));
    }
}
