package dev.retention.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.retention.fixtures.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every fixture model is a Hugging Face folder that loads offline with the vocabulary, window and special tokens
 * its files declare; the legacy TorchScript exports still run through DJL's PyTorch engine.
 */
class FixtureModelsLoadOfflineTest {

    static List<String> models() {
        return Fixtures.modelNames();
    }

    @Test
    void runsOffline() {
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
    }

    @Test
    void fixturesIncludeBaseEveryRecipeAndAtLeastFiveCheckpoints() {
        assertThat(models()).contains("base").containsAll(Fixtures.RECIPES);
        assertThat(Fixtures.checkpointNames()).hasSizeGreaterThanOrEqualTo(5);
    }

    static List<String> torchscriptModels() {
        return Fixtures.torchscriptNames();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("torchscriptModels")
    void rawDjlForwardOfTheLegacyExportsGivesLogitsOfTheRightShapeInTheDeclaredConvention(String name)
            throws Exception {
        Path dir = Fixtures.torchscript(name);
        JsonObject info = JsonParser.parseString(Files.readString(dir.resolve("model-info.json"))).getAsJsonObject();
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(dir)
                .optModelName("model")
                .optEngine("PyTorch")
                .optTranslator(new NoopTranslator())
                .build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
             var predictor = model.newPredictor();
             NDManager m = model.getNDManager().newSubManager()) {
            NDList out = predictor.predict(new NDList(
                    m.create(new long[] {5, 6, 7, 8, 9, 10}, new Shape(2, 3)),
                    m.create(new long[] {1, 1, 1, 1, 1, 0}, new Shape(2, 3))));
            assertThat(out.get(0).getShape()).isEqualTo(new Shape(2, 3, 640));
            boolean tuple = info.get("outputConvention").getAsString().equals("tuple");
            assertThat(out).hasSize(tuple ? 2 : 1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void everyFixtureIsAHuggingFaceFolderOfFloat32Safetensors(String name) throws Exception {
        Path dir = Fixtures.model(name);
        assertThat(dir.resolve("model.safetensors")).isRegularFile();
        JsonObject config = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
        assertThat(config.get("model_type").getAsString()).isEqualTo("llama");
        assertThat(ModelFiles.in(dir).format()).isEqualTo(ModelFiles.Format.SAFETENSORS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void adapterReadsContextVocabularyAndSpecialTokensFromTheFiles(String name) {
        try (CausalLm lm = CausalLm.load(Fixtures.model(name), ModelOptions.defaults().withDevice("cpu"))) {
            assertThat(lm.contextLength()).isEqualTo(128);
            assertThat(lm.vocabSize()).isEqualTo(640);
            assertThat(lm.specialTokens().eos()).containsExactly(0);
            assertThat(lm.specialTokens().bos()).hasValue(0);
            assertThat(lm.specialTokens().pad()).hasValue(1);
            assertThat(lm.weightDtypes()).containsExactly("F32");
            assertThat(lm.fingerprint()).hasSize(64);
            assertThat(lm.device()).isEqualTo("cpu");
        }
    }
}
