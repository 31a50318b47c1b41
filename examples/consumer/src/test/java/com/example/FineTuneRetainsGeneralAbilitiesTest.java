package com.example;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;

import dev.retention.assertions.ScoredModel;
import dev.retention.junit.Baseline;
import dev.retention.junit.CategorySource;
import dev.retention.junit.RetentionTest;
import dev.retention.junit.Tuned;
import org.junit.jupiter.params.ParameterizedTest;

@RetentionTest(baseline = "models/base", tuned = "models/lora", suite = "suites/general.jsonl")
class FineTuneRetainsGeneralAbilitiesTest {

    @Baseline ScoredModel base;
    @Tuned ScoredModel tuned;

    @ParameterizedTest(name = "{0}")
    @CategorySource                                   // one test per category of the suite, sorted
    void retainsEveryCategory(String category) {
        assertThatModel(tuned).retains(base).onCategory(category).within(0.05);
    }
}
