package io.hormesis.stats.change;

/**
 * Watches one series, in order, for a change in its level: each observation either raises a change
 * or not. Stateful: one instance per series; not thread-safe.
 */
public interface ChangeDetector {
    /**
     * Adds one observation.
     *
     * @param x the observation; must be finite
     * @return true when a change is detected at this observation
     * @throws IllegalArgumentException if {@code x} is NaN or infinite
     */
    boolean update(double x);

    /** Observations added since construction or the last {@link #reset()}. */
    long count();

    /** Forgets everything learned, keeping the parameters. */
    void reset();
}
