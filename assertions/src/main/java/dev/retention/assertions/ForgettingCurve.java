package dev.retention.assertions;

import dev.retention.eval.Scorecard;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Accuracy of a baseline and an ordered sequence of fine-tuning checkpoints on every category of a
 * suite: the matrix {@code R[t][c]}, with {@code t = 0} the baseline and {@code t = 1..T} the
 * checkpoints in training order.
 *
 * <p>The general categories are the "earlier tasks", all learned before fine-tuning, so in the
 * notation of seed 004 {@code R[i,i]} (performance right after learning task i) is the baseline's
 * {@code R[0][c]}:
 * <ul>
 *   <li><b>Backward transfer</b> of category c: {@code BWT(c) = R[T][c] - R[0][c]}; the average over
 *       categories is {@code BWT = 1/C · Σ_c (R[T][c] - R[0][c])}. Negative means forgetting
 *       ({@code -0.15} = fifteen points lost on average).</li>
 *   <li><b>Forgetting measure</b> of category c: {@code F(c) = max_{t ∈ {0..T-1}} R[t][c] - R[T][c]},
 *       the drop of the final checkpoint from the best accuracy ever observed (baseline included);
 *       the average is {@code F = 1/C · Σ_c F(c)}. It is negative when the final checkpoint beats every
 *       earlier model, the baseline included.</li>
 * </ul>
 *
 * <p>Accuracies are fractions in {@code [0, 1]}, so differences are in accuracy points
 * ({@code 0.10} = ten points). Instances are immutable.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class ForgettingCurve {

    private final List<String> names;
    private final List<String> categories;
    private final double[][] accuracy;

    private ForgettingCurve(List<String> names, List<String> categories, double[][] accuracy) {
        this.names = names;
        this.categories = categories;
        this.accuracy = accuracy;
    }

    /**
     * Scores (or reuses the scorecards of) the baseline and every checkpoint on {@code suite}.
     *
     * @param baseline the model the run started from ({@code t = 0})
     * @param checkpoints the run's checkpoints in training order ({@code t = 1..T}), baseline not included
     * @param suite the suite to score on; its categories with scored items become the columns
     * @return the accuracy matrix
     * @throws IllegalArgumentException when {@code checkpoints} is empty, or {@code suite} has no scored item
     * @throws IllegalStateException when a checkpoint was scored with other settings than the baseline,
     *     or a recorded model has no scorecard of the suite
     */
    public static ForgettingCurve of(ScoredModel baseline, List<? extends ScoredModel> checkpoints, Suite suite) {
        if (checkpoints.isEmpty()) {
            throw new IllegalArgumentException("no checkpoints given");
        }
        List<ScoredModel> all = new ArrayList<>();
        all.add(baseline);
        all.addAll(checkpoints);
        List<String> cats = suite.categories().stream()
                .filter(c -> suite.items(c).stream().anyMatch(SuiteItem::isScored)).toList();
        if (cats.isEmpty()) {
            throw new IllegalArgumentException("suite " + suite.name() + " has no scored item, so there is no "
                    + "category to draw a forgetting curve for");
        }
        Scorecard first = baseline.scorecard(suite);
        double[][] r = new double[all.size()][cats.size()];
        List<String> names = new ArrayList<>();
        for (int t = 0; t < all.size(); t++) {
            Scorecard card = t == 0 ? first : all.get(t).scorecard(suite);
            if (t > 0) {
                Judge.comparable(baseline, first, all.get(t), card);
            }
            names.add(all.get(t).name());
            for (int c = 0; c < cats.size(); c++) {
                r[t][c] = card.category(cats.get(c)).accuracy();
            }
        }
        return new ForgettingCurve(List.copyOf(names), cats, r);
    }

    /**
     * Model names, baseline first.
     *
     * @return the names of the {@code T + 1} models in matrix order; unmodifiable
     */
    public List<String> names() {
        return names;
    }

    /**
     * Categories with scored items, sorted.
     *
     * @return the suite's categories that have scored items, sorted; unmodifiable
     */
    public List<String> categories() {
        return categories;
    }

    /**
     * Number of checkpoints {@code T} (the baseline not counted).
     *
     * @return {@code T}, at least 1
     */
    public int checkpoints() {
        return names.size() - 1;
    }

    /**
     * {@code R[t][category]}; {@code t = 0} is the baseline.
     *
     * @param t the model's index, {@code 0..T}
     * @param category one of {@link #categories()}
     * @return the model's accuracy on the category, in {@code [0, 1]}
     * @throws IllegalArgumentException naming the known categories when {@code category} is not one
     * @throws ArrayIndexOutOfBoundsException when {@code t} is outside {@code 0..T}
     */
    public double accuracy(int t, String category) {
        return accuracy[t][index(category)];
    }

    /**
     * {@code BWT(c) = R[T][c] - R[0][c]}.
     *
     * @param category one of {@link #categories()}
     * @return the final checkpoint's accuracy minus the baseline's on the category; negative means forgetting
     * @throws IllegalArgumentException naming the known categories when {@code category} is not one
     */
    public double backwardTransfer(String category) {
        int c = index(category);
        return accuracy[checkpoints()][c] - accuracy[0][c];
    }

    /**
     * Mean backward transfer over all categories.
     *
     * @return {@code BWT}, each category weighing the same
     * @throws java.util.NoSuchElementException when the suite has no category with scored items
     */
    public double backwardTransfer() {
        return categories.stream().mapToDouble(this::backwardTransfer).average().orElseThrow();
    }

    /**
     * {@code F(c) = max_{t < T} R[t][c] - R[T][c]}.
     *
     * @param category one of {@link #categories()}
     * @return the drop of the final checkpoint from the best earlier accuracy (baseline included);
     *     negative when the final checkpoint beats every earlier model
     * @throws IllegalArgumentException naming the known categories when {@code category} is not one
     */
    public double forgetting(String category) {
        int c = index(category);
        double best = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < checkpoints(); t++) {
            best = Math.max(best, accuracy[t][c]);
        }
        return best - accuracy[checkpoints()][c];
    }

    /**
     * Mean forgetting measure over all categories.
     *
     * @return {@code F}, each category weighing the same
     * @throws java.util.NoSuchElementException when the suite has no category with scored items
     */
    public double forgetting() {
        return categories.stream().mapToDouble(this::forgetting).average().orElseThrow();
    }

    /**
     * The forgetting-aware early stop: walking the checkpoints in training order, the last one
     * before the first whose drop from the baseline, {@code R[0][c] - R[t][c]}, exceeds
     * {@code budget} in any of {@code watched}. Returns its index {@code t} (1..T), or empty when
     * already the first checkpoint exceeds the budget.
     *
     * @param budget the largest allowed drop from the baseline, in accuracy points (e.g. {@code 0.10})
     * @param watched the categories the budget applies to, each one of {@link #categories()}
     * @return the index {@code t} of the last checkpoint within the budget ({@code T} when none exceeds
     *     it), or empty
     * @throws IllegalArgumentException naming the known categories when a watched category is not one
     */
    public OptionalInt lastWithinBudget(double budget, Collection<String> watched) {
        int last = 0;
        for (int t = 1; t <= checkpoints(); t++) {
            for (String cat : watched) {
                int c = index(cat);
                if (accuracy[0][c] - accuracy[t][c] > budget + Judge.EPS) {
                    return last == 0 ? OptionalInt.empty() : OptionalInt.of(last);
                }
            }
            last = t;
        }
        return OptionalInt.of(last);
    }

    /**
     * The matrix as a text table with BWT and F per category.
     *
     * @return one row per model, then a {@code BWT} and a {@code forgetting} row, a column per
     *     category, three decimals, lines ending in a newline
     */
    public String table() {
        StringBuilder sb = new StringBuilder();
        int w = Math.max(10, names.stream().mapToInt(String::length).max().orElse(0));
        sb.append(String.format(Locale.ROOT, "  %-" + w + "s", "model"));
        categories.forEach(c -> sb.append(String.format(Locale.ROOT, " %12s", c)));
        sb.append('\n');
        for (int t = 0; t < names.size(); t++) {
            sb.append(String.format(Locale.ROOT, "  %-" + w + "s", names.get(t)));
            for (int c = 0; c < categories.size(); c++) {
                sb.append(String.format(Locale.ROOT, " %12.3f", accuracy[t][c]));
            }
            sb.append('\n');
        }
        sb.append(String.format(Locale.ROOT, "  %-" + w + "s", "BWT"));
        categories.forEach(c -> sb.append(String.format(Locale.ROOT, " %+12.3f", backwardTransfer(c))));
        sb.append(String.format(Locale.ROOT, "%n  %-" + w + "s", "forgetting"));
        categories.forEach(c -> sb.append(String.format(Locale.ROOT, " %12.3f", forgetting(c))));
        return sb.append('\n').toString();
    }

    private int index(String category) {
        int i = categories.indexOf(category);
        if (i < 0) {
            throw new IllegalArgumentException("no category '" + category + "'; known categories: "
                    + String.join(", ", categories));
        }
        return i;
    }
}
