package io.hormesis.jobs.watch;

import io.hormesis.jobs.testutils.Records;
import io.hormesis.schema.InferenceEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class InferenceEventValidatorTest {
    private static final InferenceEventValidator ANY =
            new InferenceEventValidator(Duration.ofMinutes(5));
    private static final InferenceEventValidator KNOWN =
            new InferenceEventValidator(Duration.ofMinutes(5), List.of("chat-llm", "code-llm"));

    @Test
    void anUnknownDeploymentIsItsOwnReasonOnlyWhenDeploymentsAreListed() {
        InferenceEvent stray = Records.event("r1", 100).setDeployment("stray-llm").build();
        assertThat(ANY.problem(stray)).isNull();
        String problem = KNOWN.problem(stray);
        assertThat(problem).contains("stray-llm");
        assertThat(KNOWN.reasonCode(stray, problem)).isEqualTo("UNKNOWN_DEPLOYMENT");
        assertThat(KNOWN.problem(Records.event("r2", 100).build())).isNull();
    }

    @Test
    void hugeStringsControlCharactersAndTooManyFeaturesAreInvalid() {
        InferenceEvent huge = Records.event("r1", 100).setModelName("m".repeat(100_000)).build();
        InferenceEvent control = Records.event("r2", 100).setReplica("replica-\u0000").build();
        Map<String, Double> many = new HashMap<>();
        for (int i = 0; i <= InferenceEventValidator.MAX_FEATURES; i++) {
            many.put("f" + i, 1.0);
        }
        InferenceEvent features = Records.event("r3", 100).setFeatures(many).build();
        InferenceEvent longName =
                Records.event("r4", 100).setFeatures(Map.of("f".repeat(300), 1.0)).build();
        for (InferenceEvent e : List.of(huge, control, features, longName)) {
            String problem = KNOWN.problem(e);
            assertThat(problem).isNotNull();
            assertThat(KNOWN.reasonCode(e, problem)).isEqualTo("INVALID");
        }
    }
}
