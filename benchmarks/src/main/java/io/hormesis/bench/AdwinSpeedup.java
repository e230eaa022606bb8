package io.hormesis.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs only the two ADWIN benchmarks of {@link DetectorBenchmark} (same stream, same delta, same
 * JMH settings) and prints our updates/s over MOA's:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.hormesis.bench.AdwinSpeedup
 * </pre>
 */
public final class AdwinSpeedup {
    private AdwinSpeedup() {}

    public static void main(String[] args) throws RunnerException {
        Options options =
                new OptionsBuilder()
                        .include(DetectorBenchmark.class.getName() + "\\.(adwin|moaAdwin)$")
                        .build();
        Collection<RunResult> results = new Runner(options).run();
        Map<String, Double> updatesPerSecond = new HashMap<>();
        for (RunResult result : results) {
            String method = result.getParams().getBenchmark();
            updatesPerSecond.put(
                    method.substring(method.lastIndexOf('.') + 1),
                    result.getPrimaryResult().getScore());
        }
        double ours = updatesPerSecond.get("adwin");
        double moa = updatesPerSecond.get("moaAdwin");
        System.out.printf(
                "ADWIN updates/s: ours %.4g, MOA %.4g, ours/MOA = %.2fx%n", ours, moa, ours / moa);
    }
}
