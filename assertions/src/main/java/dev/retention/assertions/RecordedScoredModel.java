package dev.retention.assertions;

import dev.retention.eval.Evaluator;
import dev.retention.eval.ItemResult;
import dev.retention.eval.Scorecard;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Scorecards recorded earlier (e.g. a committed baseline file); no model needed. A recorded
 * scorecard is served only for exactly the suite it was scored on, and only when it holds every
 * item of that suite, each in the suite's category, and nothing else.
 */
final class RecordedScoredModel implements ScoredModel {

    /** A scorecard and the file it came from ({@code ""} for a scorecard given in code). */
    record Recorded(Scorecard card, String source) {
        /** {@code " (file)"}, or nothing for a scorecard given in code. */
        String where() {
            return source.isEmpty() ? "" : " (" + source + ")";
        }
    }

    private static final int NAMED = 5;

    private final List<Recorded> cards;
    private final Optional<Suite> defaultSuite;

    RecordedScoredModel(List<Recorded> cards, Optional<Suite> defaultSuite) {
        if (cards.isEmpty()) {
            throw new IllegalArgumentException("no recorded scorecards given");
        }
        Scorecard first = cards.get(0).card();
        String fp = first.model().fingerprint();
        for (Recorded r : cards) {
            Scorecard c = r.card();
            if (!c.model().fingerprint().equals(fp)) {
                throw new IllegalArgumentException("recorded scorecards belong to different models: "
                        + first.model().name() + " (" + abbreviated(fp) + ")" + cards.get(0).where() + " and "
                        + c.model().name() + " (" + abbreviated(c.model().fingerprint()) + ")" + r.where());
            }
        }
        this.cards = List.copyOf(cards);
        this.defaultSuite = defaultSuite;
    }

    private static String abbreviated(String fingerprint) {
        return fingerprint.length() > 12 ? fingerprint.substring(0, 12) : fingerprint;
    }

    @Override
    public String name() {
        return cards.get(0).card().model().name();
    }

    @Override
    public String fingerprint() {
        return cards.get(0).card().model().fingerprint();
    }

    @Override
    public Scorecard scorecard(Suite suite) {
        for (Recorded r : cards) {
            if (r.card().suiteHash().equals(suite.contentHash())) {
                checkCovers(r, suite);
                return r.card();
            }
        }
        for (Recorded r : cards) {
            if (r.card().suiteName().equals(suite.name())) {
                throw new IllegalStateException("the recorded scorecard of " + name() + " on suite '" + suite.name()
                        + "'" + r.where() + " was scored on a different version of the suite (sha256 "
                        + abbreviated(r.card().suiteHash()) + ", now " + abbreviated(suite.contentHash()) + ")"
                        + coverage(r.card(), suite) + "; record the baseline again (-Dretention.baseline.record=true)");
            }
        }
        throw new IllegalStateException("no recorded scorecard of " + name() + " for suite '" + suite.name()
                + "'; recorded suites: " + cards.stream().map(r -> r.card().suiteName() + r.where()).toList());
    }

    /** The file {@code card} was read from, or {@code ""} for a scorecard given in code. */
    String source(Scorecard card) {
        return cards.stream().filter(r -> r.card() == card).map(Recorded::source).findFirst().orElse("");
    }

    /** Every item of the suite is in the card, in the suite's category, and the card holds nothing else. */
    private void checkCovers(Recorded r, Suite suite) {
        String why = coverage(r.card(), suite);
        if (!why.isEmpty()) {
            throw new IllegalStateException("the recorded scorecard of " + name() + r.where()
                    + " does not match suite '" + suite.name() + "' although it names its content hash" + why
                    + "; a recorded baseline must hold exactly the suite's items: record it again "
                    + "(-Dretention.baseline.record=true)");
        }
    }

    /** Empty when the card holds exactly the suite's items; else what is missing, extra or moved. */
    private static String coverage(Scorecard card, Suite suite) {
        List<String> missing = new ArrayList<>();
        List<String> moved = new ArrayList<>();
        for (SuiteItem item : suite.items()) {
            Optional<ItemResult> r = card.item(item.id());
            if (r.isEmpty()) {
                missing.add(item.id());
            } else if (!r.get().category().equals(item.category())) {
                moved.add(item.id() + " (" + r.get().category() + ", now " + item.category() + ")");
            }
        }
        List<String> extra = card.items().stream().map(ItemResult::id).filter(id -> suite.item(id).isEmpty()).toList();
        StringBuilder sb = new StringBuilder();
        if (!missing.isEmpty()) {
            sb.append(": it lacks ").append(missing.size()).append(" of the suite's ").append(suite.size())
                    .append(" items (").append(few(missing)).append(")");
        }
        if (!extra.isEmpty()) {
            sb.append(sb.length() == 0 ? ": it" : " and").append(" holds ").append(extra.size())
                    .append(" items the suite does not have (").append(few(extra)).append(")");
        }
        if (!moved.isEmpty()) {
            sb.append(sb.length() == 0 ? ": it" : " and").append(" files ").append(moved.size())
                    .append(" items under another category (").append(few(moved)).append(")");
        }
        return sb.toString();
    }

    private static String few(List<String> ids) {
        return ids.stream().limit(NAMED).collect(Collectors.joining(", ")) + (ids.size() > NAMED ? ", …" : "");
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
