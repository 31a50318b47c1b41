package dev.retention.assertions;

import dev.retention.eval.Evaluator;
import dev.retention.eval.Scorecard;
import dev.retention.suite.Suite;

import java.util.List;
import java.util.Optional;

/** Scorecards recorded earlier (e.g. a committed baseline file); no model needed. */
final class RecordedScoredModel implements ScoredModel {

    private final List<Scorecard> cards;
    private final Optional<Suite> defaultSuite;

    RecordedScoredModel(List<Scorecard> cards, Optional<Suite> defaultSuite) {
        if (cards.isEmpty()) {
            throw new IllegalArgumentException("no recorded scorecards given");
        }
        String fp = cards.get(0).model().fingerprint();
        for (Scorecard c : cards) {
            if (!c.model().fingerprint().equals(fp)) {
                throw new IllegalArgumentException("recorded scorecards belong to different models: "
                        + cards.get(0).model().name() + " (" + fp.substring(0, 12) + ") and " + c.model().name()
                        + " (" + c.model().fingerprint().substring(0, 12) + ")");
            }
        }
        this.cards = List.copyOf(cards);
        this.defaultSuite = defaultSuite;
    }

    @Override
    public String name() {
        return cards.get(0).model().name();
    }

    @Override
    public String fingerprint() {
        return cards.get(0).model().fingerprint();
    }

    @Override
    public Scorecard scorecard(Suite suite) {
        for (Scorecard c : cards) {
            if (c.suiteHash().equals(suite.contentHash())) {
                return c;
            }
        }
        for (Scorecard c : cards) {
            if (c.suiteName().equals(suite.name())) {
                throw new IllegalStateException("the recorded scorecard of " + name() + " on suite '" + suite.name()
                        + "' was scored on a different version of the suite (sha256 " + c.suiteHash().substring(0, 12)
                        + ", now " + suite.contentHash().substring(0, 12) + "); record the baseline again");
            }
        }
        throw new IllegalStateException("no recorded scorecard of " + name() + " for suite '" + suite.name()
                + "'; recorded suites: " + cards.stream().map(Scorecard::suiteName).toList());
    }

    @Override
    public Optional<Suite> defaultSuite() {
        return defaultSuite;
    }

    @Override
    public Optional<Evaluator> evaluator() {
        return Optional.empty();
    }

    @Override
    public ScoredModel withDefaultSuite(Suite suite) {
        return new RecordedScoredModel(cards, Optional.of(suite));
    }

    @Override
    public String toString() {
        return name() + " (recorded)";
    }
}
