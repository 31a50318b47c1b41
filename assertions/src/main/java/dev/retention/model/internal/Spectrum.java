package dev.retention.model.internal;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Estimated leading singular values of {@code ΔW = tuned - baseline} for one 2-D parameter.
 *
 * @param name the parameter's name
 * @param rows the matrix's first dimension
 * @param cols the matrix's second dimension
 * @param singularValues the top {@code k} singular values, descending
 * @param frobeniusSquared {@code ||ΔW||_F²}; the energy outside the top {@code k} is
 *     {@code frobeniusSquared - Σ σ_i²}
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public record Spectrum(String name, long rows, long cols, double[] singularValues, double frobeniusSquared) {

    /**
     * Numerical rank at relative tolerance {@code tol}: the number of singular values above
     * {@code tol · σ_1}, or {@code k + 1} ("more than computed") when the energy outside the
     * top {@code k} exceeds {@code (tol · σ_1)²}. Zero for an unchanged matrix.
     *
     * @param tol the relative tolerance, e.g. {@code 1e-3}
     * @return the numerical rank, from 0 to {@code k + 1}
     */
    public int numericalRank(double tol) {
        if (singularValues.length == 0 || singularValues[0] == 0) {
            return 0;
        }
        double cut = tol * singularValues[0];
        int r = 0;
        double captured = 0;
        for (double s : singularValues) {
            captured += s * s;
            if (s > cut) {
                r++;
            }
        }
        double rest = Math.max(0, frobeniusSquared - captured);
        return rest > cut * cut ? singularValues.length + 1 : r;
    }
}
