package dev.retention.model;

import dev.retention.model.internal.Spectrum;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The small dense linear algebra behind the rank check, against matrices with known spectra. */
class LowRankMathTest {

    @Test
    void jacobiFindsTheEigenvaluesOfARotatedDiagonalMatrix() {
        double[] lambda = {9, 4, 1, 0.25, 0};
        int n = lambda.length;
        double[][] q = randomOrthogonal(n, 7);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    a[i][j] += q[i][k] * lambda[k] * q[j][k];
                }
            }
        }
        double[] ev = SymmetricEigen.values(a);
        for (int i = 0; i < n; i++) {
            assertThat(ev[i]).isCloseTo(lambda[i], within(1e-10));
        }
    }

    @Test
    void gramSchmidtGivesOrthonormalColumnsAndDropsDependentOnes() {
        int m = 6;
        double[] y = new double[m * 3];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < m; i++) {
            y[i * 3] = r.nextDouble();
            y[i * 3 + 1] = r.nextDouble();
            y[i * 3 + 2] = 2 * y[i * 3] - y[i * 3 + 1]; // dependent on the first two
        }
        double[][] cols = Weights.orthonormalColumns(y, m, 3);
        assertThat(cols).hasNumberOfRows(2);
        for (int a = 0; a < cols.length; a++) {
            for (int b = 0; b < cols.length; b++) {
                double dot = 0;
                for (int i = 0; i < m; i++) {
                    dot += cols[a][i] * cols[b][i];
                }
                assertThat(dot).isCloseTo(a == b ? 1 : 0, within(1e-6));
            }
        }
    }

    @Test
    void singularValuesOfAWideMatrixMatchItsConstruction() {
        // B = diag(3, 2) · [first two rows of an orthogonal 5×5], so its singular values are 3 and 2.
        double[][] q = randomOrthogonal(5, 11);
        double[] b = new double[2 * 5];
        for (int c = 0; c < 5; c++) {
            b[c] = 3 * q[0][c];
            b[5 + c] = 2 * q[1][c];
        }
        double[] sv = Weights.singularValuesOfWide(b, 2, 5);
        assertThat(sv[0]).isCloseTo(3, within(1e-10));
        assertThat(sv[1]).isCloseTo(2, within(1e-10));
    }

    @Test
    void numericalRankCountsValuesAboveTheToleranceAndFlagsEnergyBeyondTheComputedOnes() {
        Spectrum lowRank = new Spectrum("w", 10, 10, new double[] {5, 1, 1e-6, 1e-7}, 26.0 + 1e-12);
        assertThat(lowRank.numericalRank(1e-3)).isEqualTo(2);
        Spectrum moreThanComputed = new Spectrum("w", 10, 10, new double[] {5, 4, 3}, 25 + 16 + 9 + 4);
        assertThat(moreThanComputed.numericalRank(1e-3)).isEqualTo(4);
        assertThat(new Spectrum("w", 4, 4, new double[] {0, 0}, 0).numericalRank(1e-3)).isZero();
    }

    private static double[][] randomOrthogonal(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] y = new double[n * n];
        for (int i = 0; i < y.length; i++) {
            y[i] = r.nextDouble() - 0.5;
        }
        double[][] cols = Weights.orthonormalColumns(y, n, n);
        double[][] q = new double[n][n];
        for (int c = 0; c < n; c++) {
            for (int i = 0; i < n; i++) {
                q[i][c] = cols[c][i];
            }
        }
        return q;
    }
}
