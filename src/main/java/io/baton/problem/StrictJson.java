package io.baton.problem;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;

import java.lang.reflect.Type;
import java.util.function.BiFunction;

/**
 * Reads a request body strictly: unknown fields, duplicate keys, trailing content, scalar coercion
 * ({@code "enabled": "yes"}, {@code "name": 12}), enums given as numbers ({@code "match": 1}) and anything outside
 * {@link InputLimits} (nesting, control characters, numbers; checked by {@link BoundedJsonParser}) fail with the
 * field's path. Put
 * {@code @CustomDeserialization(StrictJson.class)} on a resource method. Baton's shared {@link ObjectMapper} stays
 * lenient because the Digdag client reads Digdag's responses with it.
 */
public class StrictJson implements BiFunction<ObjectMapper, Type, ObjectReader> {

    private static final BoundedJsonFactory PARSERS = new BoundedJsonFactory();
    private static volatile ObjectMapper strict;

    @Override
    public ObjectReader apply(ObjectMapper shared, Type type) {
        return strictMapper(shared).readerFor(shared.constructType(type)).with(PARSERS);
    }

    @SuppressWarnings("deprecation") // MapperFeature on a copy: the builder would lose Quarkus' customizations
    private static ObjectMapper strictMapper(ObjectMapper shared) {
        ObjectMapper mapper = strict;
        if (mapper == null) {
            mapper = shared.copy()
                    .configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false)
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            mapper.coercionConfigFor(LogicalType.Textual)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
            strict = mapper;
        }
        return mapper;
    }
}
