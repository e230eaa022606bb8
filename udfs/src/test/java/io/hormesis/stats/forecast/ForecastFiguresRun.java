package io.hormesis.stats.forecast;

import io.hormesis.stats.baseline.RobustBaseline;

import java.util.Random;

/**
 * Prints the figures the forecast and baseline tests assert on: interval coverage on simulated
 * ETS(A,A,A) data, bound coverage on simulated Poisson traffic, and the largest serialized
 * RobustBaseline over a million updates. Usage: {@code ForecastFiguresRun [etsSeed poissonSeed
 * baselineSeed]}, by default the seeds the tests use (42, 5, 37).
 */
public final class ForecastFiguresRun {

    private ForecastFiguresRun() {}

    public static void main(String[] args) {
        long etsSeed = args.length > 0 ? Long.parseLong(args[0]) : 42;
        long poissonSeed = args.length > 1 ? Long.parseLong(args[1]) : 5;
        long baselineSeed = args.length > 2 ? Long.parseLong(args[2]) : 37;
        int[] horizons = {1, 6, 13};
        double[] ets = HoltWintersTest.simulatedEtsCoverage(horizons, etsSeed);
        for (int i = 0; i < horizons.length; i++) {
            System.out.printf("ets_coverage_95 h=%d %.4f%n", horizons[i], ets[i]);
        }
        System.out.printf("ets_sigma2 %.4f%n", ets[horizons.length]);
        double[] poisson = RateForecasterTest.poissonCoverage(poissonSeed);
        System.out.printf("poisson_one_bucket_upper_coverage %.4f%n", poisson[0]);
        System.out.printf("poisson_6_bucket_max_exceedance %.4f%n", poisson[1]);

        RobustBaseline baseline = new RobustBaseline();
        Random random = new Random(baselineSeed);
        int largest = 0;
        for (int i = 1; i <= 1_000_000; i++) {
            double body = 20 * Math.exp(0.5 * random.nextGaussian());
            baseline.update(random.nextDouble() < 0.03 ? 10 * body : body);
            if (i % 997 == 0) {
                largest = Math.max(largest, baseline.toBytes().length);
            }
        }
        System.out.printf(
                "robust_baseline_largest_state_bytes k=%d window=%d %d (rank error %.4f)%n",
                baseline.k(), baseline.window(), largest, baseline.rankError());
    }
}
