package dev.retention.model;


/**
 * Singular values of a low-rank product {@code s · B·A} ({@code B}: out × r, {@code A}: r × in) from
 * its factors alone: with thin QR factorisations {@code B = Q_B R_B} and {@code Aᵀ = Q_A R_A}
 * (orthonormal columns by modified Gram-Schmidt, numerically zero columns dropped),
 * {@code B·A = Q_B (R_B R_Aᵀ) Q_Aᵀ}, so its singular values are those of the small matrix
 * {@code R_B R_Aᵀ}. Costs O((out + in) r²) instead of forming the out × in product.
 */
final class LowRank {

    private LowRank() {
    }

    /**
     * @param b row-major out × r
     * @param a row-major r × in
     * @return the singular values of {@code scale · b·a}, descending, as many as its numerical rank
     */
    static double[] singularValues(double[] b, double[] a, int out, int r, int in, double scale) {
        double[][] qb = Weights.orthonormalColumns(b, out, r);
        double[] at = new double[in * r];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < in; j++) {
                at[j * r + i] = a[i * in + j];
            }
        }
        double[][] qa = Weights.orthonormalColumns(at, in, r);
        if (qb.length == 0 || qa.length == 0) {
            return new double[0];
        }
        double[][] rb = project(qb, b, out, r);  // qb.length × r
        double[][] ra = project(qa, at, in, r);  // qa.length × r
        double[] m = new double[qb.length * qa.length];
        for (int i = 0; i < qb.length; i++) {
            for (int j = 0; j < qa.length; j++) {
                double sum = 0;
                for (int c = 0; c < r; c++) {
                    sum += rb[i][c] * ra[j][c];
                }
                m[i * qa.length + j] = sum * scale;
            }
        }
        return Weights.singularValuesOfWide(m, qb.length, qa.length);
    }

    /** {@code Qᵀ X} for orthonormal columns {@code q} of length {@code rows} and row-major {@code X} (rows × cols). */
    private static double[][] project(double[][] q, double[] x, int rows, int cols) {
        double[][] out = new double[q.length][cols];
        for (int i = 0; i < q.length; i++) {
            for (int c = 0; c < cols; c++) {
                double sum = 0;
                for (int k = 0; k < rows; k++) {
                    sum += q[i][k] * x[k * cols + c];
                }
                out[i][c] = sum;
            }
        }
        return out;
    }
}
