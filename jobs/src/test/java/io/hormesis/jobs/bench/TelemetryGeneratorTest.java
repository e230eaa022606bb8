package io.hormesis.jobs.bench;

import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.schema.AvroCodec;
import io.hormesis.schema.InferenceEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TelemetryGeneratorTest {
    @Test
    void everyRecordDecodesWithItsRisingEventTime() throws Exception {
        TelemetryGenerator generator = new TelemetryGenerator(100);
        generator.open(null);
        AvroCodec<InferenceEvent> codec = AvroCodec.of(InferenceEvent.class);
        long[] indexes = {0, 1, 99, 8_191, 8_192, 123_457, 3_000_001};
        for (long i : indexes) {
            RawRecord raw = generator.map(i);
            InferenceEvent e = codec.decode(raw.getValue());
            assertThat(e.getEventTime().toEpochMilli())
                    .isEqualTo(TelemetryGenerator.eventTimeMillis(i));
            assertThat(e.getDeployment()).isEqualTo("deployment-" + (i % 8_192) % 100);
            assertThat(e.getRequestId()).isEqualTo("req-" + i % 8_192);
        }
        // The pooled bytes are not changed by generating from them.
        InferenceEvent again = codec.decode(generator.map(8_192L).getValue());
        assertThat(again.getEventTime().toEpochMilli())
                .isEqualTo(TelemetryGenerator.eventTimeMillis(8_192));
        assertThat(
                        TelemetryGenerator.eventTimeMillis(100_000)
                                - TelemetryGenerator.eventTimeMillis(0))
                .isEqualTo(1_000);
    }
}
