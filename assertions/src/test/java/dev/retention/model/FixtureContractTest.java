package dev.retention.model;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.retention.fixtures.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed fixtures keep their promise: the accuracies in every {@code model-info.json} (which
 * {@code ReferenceParityTest} shows the Java scoring reproduces exactly) say that {@code base}
 * knows everything, {@code full-ft} really forgot while learning the domain, and {@code lora} and
 * {@code replay} really retained while learning it.
 */
class FixtureContractTest {

    @Test
    void baseScoresAtLeastNinetyFivePercentInEveryGeneralCategory() throws IOException {
        assertThat(general("base")).hasSizeGreaterThanOrEqualTo(5).allSatisfy((category, accuracy) ->
                assertThat(accuracy).as(category).isGreaterThanOrEqualTo(0.95));
    }

    @Test
    void fullFineTuneLostFortyPointsInAtLeastThreeCategoriesAndLearnedTheDomain() throws IOException {
        Map<String, Double> base = general("base");
        Map<String, Double> full = general("full-ft");
        long forgotten = base.keySet().stream().filter(c -> base.get(c) - full.get(c) >= 0.40).count();
        assertThat(forgotten).isGreaterThanOrEqualTo(3);
        assertThat(domain("full-ft")).isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void loraAndReplayStayWithinFivePointsEverywhereAndReachEightyPercentOnTheDomain() throws IOException {
        Map<String, Double> base = general("base");
        for (String recipe : new String[] {"lora", "replay"}) {
            Map<String, Double> tuned = general(recipe);
            assertThat(tuned.keySet()).as(recipe).isEqualTo(base.keySet());
            // 1e-9: the files hold accuracies rounded to six decimals, so 0.958333 stands for 46/48
            base.forEach((c, b) -> assertThat(b - tuned.get(c)).as(recipe + " " + c).isLessThanOrEqualTo(0.05 + 1e-9));
            assertThat(domain(recipe)).as(recipe).isGreaterThanOrEqualTo(0.80);
        }
    }

    private static JsonObject accuracy(String model) throws IOException {
        return JsonParser.parseString(Files.readString(Fixtures.model(model).resolve("model-info.json")))
                .getAsJsonObject().getAsJsonObject("pythonAccuracy");
    }

    private static Map<String, Double> general(String model) throws IOException {
        Map<String, Double> out = new TreeMap<>();
        accuracy(model).getAsJsonObject("general").entrySet().forEach(e -> out.put(e.getKey(), e.getValue().getAsDouble()));
        return out;
    }

    private static double domain(String model) throws IOException {
        return accuracy(model).getAsJsonObject("domain").get("support").getAsDouble();
    }
}
