package dev.retention.model;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServingEndpointTest {

    @Test
    void urlAndServedNameAreSplitAtTheLastHash() {
        ServingEndpoint e = ServingEndpoint.parse("http://10.0.0.5:8000/v1#org/llama-3-8b-ft");
        assertThat(e.baseUrl()).isEqualTo(URI.create("http://10.0.0.5:8000/v1"));
        assertThat(e.servedModel()).isEqualTo("org/llama-3-8b-ft");
        assertThat(e).hasToString("http://10.0.0.5:8000/v1#org/llama-3-8b-ft");
    }

    @Test
    void onlyHttpUrlsAreEndpoints() {
        assertThat(ServingEndpoint.isEndpoint("https://h/v1#m")).isTrue();
        assertThat(ServingEndpoint.isEndpoint("models/base")).isFalse();
    }

    @Test
    void aMissingServedNameIsRefusedWithTheSyntax() {
        assertThatThrownBy(() -> ServingEndpoint.parse("http://127.0.0.1:8000/v1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http://host:port/v1#served-model-name");
        assertThatThrownBy(() -> ServingEndpoint.parse("http://127.0.0.1:8000/v1#"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void credentialsInTheUrlAreRefusedWithoutQuotingThem() {
        assertThatThrownBy(() -> ServingEndpoint.parse("http://u:hunter2@127.0.0.1:8000/v1#m"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds user credentials")
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("hunter2"));
        assertThatThrownBy(() -> ServingEndpoint.parse("http://u:hunter2@127.0.0.1:8000/v1"))
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("hunter2"));
    }
}
