package dev.retention.assertions;

import dev.retention.eval.ItemResult;
import dev.retention.eval.ModelRef;
import dev.retention.eval.Scorecard;
import dev.retention.eval.internal.ScoringConfig;
import dev.retention.suite.Severity;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Synthetic suites and scorecards with chosen pass patterns, for testing verdict logic without a model. */
final class Cards {

    private final Map<String, Integer> sizes = new LinkedHashMap<>();
    private final Map<String, String> severities = new LinkedHashMap<>();
    private final Map<String, Integer> truncated = new LinkedHashMap<>();
    private ScoringConfig scoring = new ScoringConfig(8, 128, false, "{prompt}", "test", "test");
    private Suite suite;

    Cards category(String name, int n) {
        sizes.put(name, n);
        return this;
    }

    Cards severity(String itemId, String severity) {
        severities.put(itemId, severity);
        return this;
    }

    /** Marks an item's prompt as left-truncated by {@code tokens} in every scorecard made from now on. */
    Cards truncated(String itemId, int tokens) {
        truncated.put(itemId, tokens);
        return this;
    }

    /** The scoring configuration of scorecards made from now on. */
    Cards scoring(ScoringConfig config) {
        scoring = config;
        return this;
    }

    Suite suite() {
        if (suite == null) {
            Suite.Builder b = Suite.builder("synthetic");
            sizes.forEach((c, n) -> {
                for (int i = 0; i < n; i++) {
                    String id = id(c, i);
                    Optional<Severity> sev = Optional.ofNullable(severities.get(id))
                            .map(s -> Severity.valueOf(s.toUpperCase(Locale.ROOT)));
                    b.add(new SuiteItem.Loglikelihood(id, c, "context " + c + " " + i, "answer",
                            SuiteItem.DEFAULT_DELIMITER, sev, List.of()));
                }
            });
            suite = b.build();
        }
        return suite;
    }

    static String id(String category, int i) {
        return category + "-" + i;
    }

    /** A recorded model with the given outcomes per category, whose default suite is {@link #suite()}. */
    ScoredModel model(String name, Map<String, boolean[]> outcomes) {
        return ScoredModel.recorded(card(name, outcomes)).withDefaultSuite(suite());
    }

    /** The scorecard of a model with the given outcomes per category, claiming to be of {@link #suite()}. */
    Scorecard card(String name, Map<String, boolean[]> outcomes) {
        List<ItemResult> items = new ArrayList<>();
        sizes.forEach((c, n) -> {
            boolean[] o = outcomes.get(c);
            for (int i = 0; i < n; i++) {
                String id = id(c, i);
                items.add(new ItemResult(id, c, "loglikelihood", Optional.ofNullable(severities.get(id)),
                        o[i] ? ItemResult.Outcome.PASS : ItemResult.Outcome.FAIL, -1.0, 1, 0, 0, "context " + c + " " + i,
                        " answer", o[i] ? " answer" : " wrong", truncated.getOrDefault(id, 0)));
            }
        });
        return new Scorecard(suite().name(), suite().contentHash(),
                new ModelRef(name, "fp-" + name + "-".repeat(60), "/models/" + name, "cpu"), scoring, Instant.EPOCH,
                items);
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
