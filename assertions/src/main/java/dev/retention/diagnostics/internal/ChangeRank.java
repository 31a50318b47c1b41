package dev.retention.diagnostics.internal;

import dev.retention.model.CausalLm;
import dev.retention.model.internal.Spectrum;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Numerical rank of each weight matrix's change {@code ΔW = W_tuned - W_baseline}. A merged LoRA
 * fine-tune of rank r changes every adapted matrix by {@code B·A}, so each ΔW has rank ≤ r (up to
 * float rounding); a full fine-tune's changes are (numerically) full rank.
 *
 * <p>Rank at relative tolerance {@code tol}: the number of singular values above
 * {@code tol · σ_1(ΔW)}, estimated by a seeded randomized range finder with {@code r + 8}
 * columns ({@link CausalLm#changeSpectrum}). Unchanged matrices have rank 0; 1-D parameters (biases,
 * norms) are not matrices and are left out.
 *
 * <p>For a LoRA adapter over the baseline's own weights the singular values come exactly from the
 * adapter's factors; otherwise from the range finder, whose Gaussian test matrix has a fixed seed, so
 * the result is the same on every run.
 *
 * @param parameter the parameter's name, as in the model (e.g. {@code core.blocks.0.qkv.weight})
 * @param rows the matrix's number of rows
 * @param cols the matrix's number of columns
 * @param rank the numerical rank at the tolerance given to {@link #of}; one more than the number of
 *     singular values computed means "more than computed" (see {@code Spectrum.numericalRank})
 * @param singularValues the leading singular values of {@code ΔW} found, largest first: for a LoRA weight as
 *     many as the adapter's rank, otherwise at most {@code maxRank + 8} (fewer for a smaller matrix); kept
 *     as given, not copied
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public record ChangeRank(String parameter, long rows, long cols, int rank, double[] singularValues) {

    /** Default relative tolerance for a singular value to count: a thousandth of the largest. */
    public static final double TOLERANCE = 1e-3;
    private static final long SEED = 1234;

    /**
     * The rank of every changed 2-D parameter, computed with {@code maxRank + 8} columns.
     *
     * @param tuned the fine-tuned model
     * @param baseline the model it was tuned from
     * @param drift the {@link ParameterDrift} of {@code tuned} from {@code baseline}; its
     *     {@link ParameterDrift#changed()} parameters are the ones ranked
     * @param maxRank the largest rank expected (e.g. the LoRA rank); ranks up to {@code maxRank + 8} can be
     *     told apart, a higher one shows as one more than the values computed
     * @param tol relative tolerance for a singular value to count, e.g. {@link #TOLERANCE}
     * @return one entry per changed 2-D parameter, in the order of {@code drift}'s parameters; parameters
     *     that did not change, and 1-D ones, are left out
     */
    public static List<ChangeRank> of(CausalLm tuned, CausalLm baseline, ParameterDrift drift, int maxRank, double tol) {
        Map<String, long[]> shapes = tuned.parameterShapes();
        List<ChangeRank> out = new ArrayList<>();
        for (String name : drift.changed()) {
            long[] shape = shapes.get(name);
            if (shape.length != 2) {
                continue;
            }
            Spectrum s = tuned.changeSpectrum(baseline, name, maxRank + 8, SEED);
            out.add(new ChangeRank(name, shape[0], shape[1], s.numericalRank(tol), s.singularValues()));
        }
        return out;
    }
}
