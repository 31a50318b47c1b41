package dev.retention.assertions;

import dev.retention.eval.ItemResult;
import dev.retention.eval.ModelRef;
import dev.retention.eval.Scorecard;
import dev.retention.eval.ScoringConfig;
import dev.retention.suite.Suite;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Synthetic suites and scorecards with chosen pass patterns, for testing verdict logic without a model. */
final class Cards {

    private final Map<String, Integer> sizes = new LinkedHashMap<>();
    private final Map<String, String> severities = new LinkedHashMap<>();
    private Suite suite;

    Cards category(String name, int n) {
        sizes.put(name, n);
        return this;
    }

    Cards severity(String itemId, String severity) {
        severities.put(itemId, severity);
        return this;
    }

    Suite suite() {
        if (suite == null) {
            Suite.Builder b = Suite.builder("synthetic");
            sizes.forEach((c, n) -> {
                for (int i = 0; i < n; i++) {
                    b.loglikelihood(id(c, i), c, "context " + c + " " + i, "answer");
                }
            });
            suite = b.build();
        }
        return suite;
    }

    static String id(String category, int i) {
        return category + "-" + i;
    }

    /** A recorded model passing the first {@code passes[c]} items of each category, unless {@code flip} says otherwise. */
    ScoredModel model(String name, Map<String, boolean[]> outcomes) {
        List<ItemResult> items = new ArrayList<>();
        sizes.forEach((c, n) -> {
            boolean[] o = outcomes.get(c);
            for (int i = 0; i < n; i++) {
                String id = id(c, i);
                items.add(new ItemResult(id, c, "loglikelihood", Optional.ofNullable(severities.get(id)),
                        o[i] ? ItemResult.Outcome.PASS : ItemResult.Outcome.FAIL, -1.0, 1, 0, 0, "context " + c + " " + i,
                        " answer", o[i] ? " answer" : " wrong"));
            }
        });
        Scorecard card = new Scorecard(suite().name(), suite().contentHash(),
                new ModelRef(name, "fp-" + name + "-".repeat(60), "/models/" + name, "cpu"),
                new ScoringConfig(8, 128, false, "{prompt}", "test", "test"), Instant.EPOCH, items);
        return ScoredModel.recorded(card).withDefaultSuite(suite());
    }

    /** n outcomes with the first {@code passing} true. */
    static boolean[] firstPassing(int n, int passing) {
        boolean[] b = new boolean[n];
        for (int i = 0; i < passing; i++) {
            b[i] = true;
        }
        return b;
    }
}
