package dev.retention.examples;

/**
 * Where the fixture models and suites are, relative to this module (Maven runs tests in the module
 * directory). In your project these would be your own model and suite paths.
 */
final class FixturePaths {

    static final String MODELS = "../src-test-fixtures/models/";
    static final String BASE = MODELS + "base";
    static final String LORA = MODELS + "lora";
    static final String REPLAY = MODELS + "replay";
    static final String FULL_FT = MODELS + "full-ft";
    static final String GENERAL = "../src-test-fixtures/suites/general.jsonl";
    static final String DOMAIN = "../src-test-fixtures/suites/domain.jsonl";
    static final String GENERAL_TEXT = "../src-test-fixtures/suites/general-text.txt";

    private FixturePaths() {
    }
}
