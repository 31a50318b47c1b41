package dev.retention.suite;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckTest {

    private static final Optional<String> NO_ANSWER = Optional.empty();

    @Test
    void exactComparesStrippedTextAndFallsBackToTheAnswer() {
        Check exact = new Check(Check.Type.EXACT, Optional.empty());
        assertThat(exact.test("  Paris\n", Optional.of(" Paris"))).isTrue();
        assertThat(exact.test("Paris, France", Optional.of(" Paris"))).isFalse();
        assertThat(Check.exact("paris").test("Paris", NO_ANSWER)).isFalse();
    }

    @Test
    void containsIsCaseSensitiveAndIcontainsIsNot() {
        assertThat(Check.contains(" reset link ").test("Use the reset link.", NO_ANSWER)).isTrue();
        assertThat(Check.contains("Reset Link").test("Use the reset link.", NO_ANSWER)).isFalse();
        assertThat(Check.icontains("Reset Link").test("Use the RESET link.", NO_ANSWER)).isTrue();
    }

    @Test
    void regexFindsAnywhereInTheRawOutput() {
        assertThat(Check.regex("\\d{4}-\\d{2}-\\d{2}").test(" on 2021-05-05.", NO_ANSWER)).isTrue();
        assertThat(Check.regex("^\\d{4}").test(" 2021", NO_ANSWER)).isFalse();
    }

    @Test
    void jsonIsStrictAndComparesValuesNotText() {
        Check valid = Check.json(Optional.empty());
        assertThat(valid.test(" {\"a\": [1, 2]} ", NO_ANSWER)).isTrue();
        assertThat(valid.test("{\"a\": NaN}", NO_ANSWER)).isFalse();
        assertThat(valid.test("{a: 1}", NO_ANSWER)).isFalse();
        assertThat(valid.test("{\"a\": 1} trailing", NO_ANSWER)).isFalse();
        assertThat(valid.test("{\"a\": 1", NO_ANSWER)).isFalse();
        Check equal = Check.json(Optional.of("{\"name\": \"Ann\", \"age\": 7}"));
        assertThat(equal.test("{\"age\":7,\"name\":\"Ann\"}", NO_ANSWER)).isTrue();
        assertThat(equal.test("{\"name\": \"Ann\", \"age\": 8}", NO_ANSWER)).isFalse();
    }

    @Test
    void invalidOperandsAreRefusedUpFront() {
        assertThatThrownBy(() -> Check.regex("(")).isInstanceOf(java.util.regex.PatternSyntaxException.class);
        assertThatThrownBy(() -> Check.json(Optional.of("{oops"))).hasMessageContaining("not valid JSON");
    }
}
