package dev.retention.diagnostics.internal;

import dev.retention.model.CausalLm;
import dev.retention.model.Weights;
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
 * columns ({@link Weights#spectrum}). Unchanged matrices have rank 0; 1-D parameters (biases,
 * norms) are not matrices and are left out.
 */
@API(status = INTERNAL, since = "0.1")
public record ChangeRank(String parameter, long rows, long cols, int rank, double[] singularValues) {

    /** Default relative tolerance for a singular value to count. */
    public static final double TOLERANCE = 1e-3;
    private static final long SEED = 1234;

    /** The rank of every changed 2-D parameter, computed with {@code maxRank + 8} columns. */
    public static List<ChangeRank> of(CausalLm tuned, CausalLm baseline, ParameterDrift drift, int maxRank, double tol) {
        Map<String, long[]> shapes = Weights.shapes(tuned);
        List<ChangeRank> out = new ArrayList<>();
        for (String name : drift.changed()) {
            long[] shape = shapes.get(name);
            if (shape.length != 2) {
                continue;
            }
            Weights.Spectrum s = Weights.spectrum(tuned, baseline, name, maxRank + 8, SEED);
            out.add(new ChangeRank(name, shape[0], shape[1], s.numericalRank(tol), s.singularValues()));
        }
        return out;
    }
}
