package dev.retention.model;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * A serving engine that could not be used: a request failed after its last retry, the server does
 * not serve the declared model, or it failed the self-check. The message names the endpoint and the
 * request or probe at fault; it never holds the API key.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class ServingEngineException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ServingEngineException(String message) {
        super(message);
    }

    ServingEngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
