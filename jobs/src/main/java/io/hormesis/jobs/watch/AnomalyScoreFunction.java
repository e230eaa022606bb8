package io.hormesis.jobs.watch;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import io.hormesis.jobs.common.KeyedStates;
import io.hormesis.jobs.detect.ScoredPoint;
import io.hormesis.jobs.detect.SeriesPoint;
import io.hormesis.stats.anomaly.AnomalyScorers;
import io.hormesis.stats.anomaly.TailProbabilityScorer;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The WATCH anomaly scorer as a keyed operator: one {@link TailProbabilityScorer} per series (key),
 * fed rows of {@code timestamp,value} text, emitting every row with its score. Rows that do not
 * parse are emitted with score 0 and marked, so output rows stay aligned with input rows.
 */
public class AnomalyScoreFunction extends KeyedProcessFunction<String, SeriesPoint, ScoredPoint> {
    private static final long serialVersionUID = 1L;

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final Duration stateTtl;

    private transient ValueState<TailProbabilityScorer> scorerState;
    private transient Counter scored;
    private transient Counter unparsed;

    public AnomalyScoreFunction(Duration stateTtl) {
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<TailProbabilityScorer> descriptor =
                new ValueStateDescriptor<>("tail-scorer", TailScorerSerializer.INSTANCE);
        KeyedStates.expireAfterWrite(descriptor, stateTtl);
        scorerState = getRuntimeContext().getState(descriptor);
        var group = getRuntimeContext().getMetricGroup().addGroup("hormesis");
        scored = group.counter("observations_scored");
        unparsed = group.counter("observations_unparsed");
    }

    @Override
    public void processElement(SeriesPoint point, Context ctx, Collector<ScoredPoint> out)
            throws Exception {
        String text = point.getText();
        int comma = text.indexOf(',');
        long millis;
        double value;
        try {
            if (comma < 0) {
                throw new NumberFormatException("no comma");
            }
            String timestamp = text.substring(0, comma).strip();
            millis =
                    LocalDateTime.parse(
                                    timestamp.substring(0, Math.min(19, timestamp.length())),
                                    TIMESTAMP)
                            .toInstant(ZoneOffset.UTC)
                            .toEpochMilli();
            value = Double.parseDouble(text.substring(comma + 1).strip());
        } catch (NumberFormatException
                | DateTimeParseException
                | StringIndexOutOfBoundsException e) {
            unparsed.inc();
            out.collect(new ScoredPoint(point.getSeries(), point.getLine(), text, 0.0, false));
            return;
        }
        TailProbabilityScorer scorer = scorerState.value();
        if (scorer == null) {
            scorer = (TailProbabilityScorer) AnomalyScorers.standard();
        }
        double score = scorer.score(millis, value);
        scorerState.update(scorer);
        scored.inc();
        out.collect(new ScoredPoint(point.getSeries(), point.getLine(), text, score, true));
    }
}
