package io.hormesis.jobs;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.types.PojoTestUtils;

import io.hormesis.jobs.control.ControlClock;
import io.hormesis.jobs.control.ControlRecord;
import io.hormesis.jobs.detect.ScoredPoint;
import io.hormesis.jobs.detect.SeriesPoint;
import io.hormesis.jobs.kafka.RawRecord;
import io.hormesis.jobs.watch.Observation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every type that crosses the network or sits in state is a POJO: no Kryo fallback. */
class PojoTypesTest {

    @ParameterizedTest
    @ValueSource(
            classes = {
                RawRecord.class,
                Observation.class,
                ControlRecord.class,
                ControlClock.class,
                SeriesPoint.class,
                ScoredPoint.class,
                io.hormesis.jobs.lineage.LineageEntry.class,
                io.hormesis.jobs.lineage.ChainHead.class
            })
    void isSerializedAsPojo(Class<?> type) {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(type);
        assertThat(TypeInformation.of(type)).isInstanceOf(PojoTypeInfo.class);
    }
}
