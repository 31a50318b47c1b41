package dev.retention.model;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where a remote model is served: the OpenAI-compatible base URL and the served model name, written
 * {@code http://host:8000/v1#my-model} (the name is the server's {@code --served-model-name}).
 */
record ServingEndpoint(URI baseUrl, String servedModel) {

    /** Whether {@code spec} names a served model rather than a local directory. */
    static boolean isEndpoint(String spec) {
        return spec.startsWith("http://") || spec.startsWith("https://");
    }

    /**
     * Parses {@code http(s)://host:port/path#served-model-name}.
     *
     * @throws IllegalArgumentException naming what is missing; never quoting user info (it may be a credential)
     */
    static ServingEndpoint parse(String spec) {
        int hash = spec.lastIndexOf('#');
        if (!isEndpoint(spec) || hash < 0 || hash == spec.length() - 1) {
            throw new IllegalArgumentException("a served model is written http://host:port/v1#served-model-name "
                    + "(the name after '#' is the server's --served-model-name); got "
                    + (spec.contains("@") ? "a URL with user info" : "'" + spec + "'"));
        }
        URI base;
        try {
            base = new URI(spec.substring(0, hash));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL before '#': " + e.getReason());
        }
        if (base.getHost() == null) {
            throw new IllegalArgumentException("the served-model URL has no host: write http://host:port/v1#name");
        }
        if (base.getRawUserInfo() != null) {
            throw new IllegalArgumentException("the served-model URL for host " + base.getHost() + " holds user "
                    + "credentials; put the API key in an environment variable and configure its name instead");
        }
        return new ServingEndpoint(base, spec.substring(hash + 1));
    }

    @Override
    public String toString() {
        return baseUrl + "#" + servedModel;
    }
}
