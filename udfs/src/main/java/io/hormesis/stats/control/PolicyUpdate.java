package io.hormesis.stats.control;

/**
 * One update of a learned policy value, as the CONTROL job emits it to the policy-update stream.
 *
 * @param changed whether the value changed
 * @param before the value before the update
 * @param after the value after the update
 * @param reason a human-readable reason with the figures behind it
 */
public record PolicyUpdate(boolean changed, double before, double after, String reason) {

    static PolicyUpdate unchanged(double value, String reason) {
        return new PolicyUpdate(false, value, value, reason);
    }
}
