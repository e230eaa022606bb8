package io.hormesis.stats.drift;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Corrections for testing many features at once. Benjamini-Hochberg (1995) controls the false
 * discovery rate; Holm (1979) the family-wise error rate. Adjusted p-values are those of R's {@code
 * p.adjust(p, "BH")} and {@code p.adjust(p, "holm")} (and statsmodels' {@code multipletests}).
 */
public final class MultipleTesting {
    private MultipleTesting() {}

    /** The correction to apply. */
    public enum Method {
        BENJAMINI_HOCHBERG,
        HOLM
    }

    /** Benjamini-Hochberg adjusted p-values, in the input order. */
    public static double[] benjaminiHochberg(double[] p) {
        int n = p.length;
        Integer[] order = ascending(p);
        double[] adjusted = new double[n];
        double running = 1.0;
        for (int rank = n; rank >= 1; rank--) {
            int i = order[rank - 1];
            running = Math.min(running, p[i] * n / rank);
            adjusted[i] = Math.min(1.0, running);
        }
        return adjusted;
    }

    /** Holm step-down adjusted p-values, in the input order. */
    public static double[] holm(double[] p) {
        int n = p.length;
        Integer[] order = ascending(p);
        double[] adjusted = new double[n];
        double running = 0.0;
        for (int rank = 1; rank <= n; rank++) {
            int i = order[rank - 1];
            running = Math.max(running, (n - rank + 1) * p[i]);
            adjusted[i] = Math.min(1.0, running);
        }
        return adjusted;
    }

    /**
     * Re-decides a family of results at {@code alpha} with adjusted p-values. Results without a
     * p-value (NaN) or with insufficient data keep their decision and take no part in the
     * correction.
     */
    public static List<DriftResult> adjust(List<DriftResult> results, double alpha, Method method) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
        }
        List<Integer> tested = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            DriftResult r = results.get(i);
            if (!Double.isNaN(r.pValue())
                    && r.decision() != DriftResult.Decision.INSUFFICIENT_DATA) {
                tested.add(i);
            }
        }
        double[] p = new double[tested.size()];
        for (int k = 0; k < p.length; k++) {
            p[k] = results.get(tested.get(k)).pValue();
        }
        double[] adjusted = method == Method.HOLM ? holm(p) : benjaminiHochberg(p);
        List<DriftResult> out = new ArrayList<>(results);
        for (int k = 0; k < p.length; k++) {
            int i = tested.get(k);
            out.set(
                    i,
                    results.get(i)
                            .withAdjusted(
                                    adjusted[k],
                                    adjusted[k] < alpha
                                            ? DriftResult.Decision.DRIFT
                                            : DriftResult.Decision.NO_DRIFT));
        }
        return out;
    }

    private static Integer[] ascending(double[] p) {
        for (double x : p) {
            if (!(x >= 0 && x <= 1)) {
                throw new IllegalArgumentException("p-values must be in [0, 1], got " + x);
            }
        }
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < p.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> p[i]));
        return order;
    }
}
