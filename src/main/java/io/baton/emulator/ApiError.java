package io.baton.emulator;

/** An error answer in Digdag's shape {@code {"message":..., "status":...}}; a null message means an empty body. */
final class ApiError extends RuntimeException {

    final int status;

    ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static ApiError notFound(String what) {
        return new ApiError(404, "Resource does not exist: " + what);
    }

    /** What Digdag answers when a path or query number cannot be converted. */
    static ApiError unconvertible() {
        return new ApiError(404, null);
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, message);
    }
}
