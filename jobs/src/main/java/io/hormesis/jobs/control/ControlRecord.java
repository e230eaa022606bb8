package io.hormesis.jobs.control;

import io.hormesis.schema.CommandOutcome;
import io.hormesis.schema.InferenceEvent;
import io.hormesis.schema.ModelEvent;
import io.hormesis.schema.ResourceSample;
import io.hormesis.schema.Signal;

import java.util.Objects;

/**
 * One input of CONTROL: exactly one of the five Avro records it reads, so that the five topics can
 * be unioned into one keyed stream and one operator sees them in one order. A Flink POJO whose
 * fields are Avro records (serialised by Avro, not Kryo; {@code PojoTypesTest} checks it).
 */
public class ControlRecord {
    private InferenceEvent inference;
    private Signal signal;
    private ResourceSample resources;
    private ModelEvent modelEvent;
    private CommandOutcome outcome;

    public ControlRecord() {}

    public static ControlRecord of(InferenceEvent e) {
        ControlRecord r = new ControlRecord();
        r.inference = Objects.requireNonNull(e);
        return r;
    }

    public static ControlRecord of(Signal s) {
        ControlRecord r = new ControlRecord();
        r.signal = Objects.requireNonNull(s);
        return r;
    }

    public static ControlRecord of(ResourceSample s) {
        ControlRecord r = new ControlRecord();
        r.resources = Objects.requireNonNull(s);
        return r;
    }

    public static ControlRecord of(ModelEvent e) {
        ControlRecord r = new ControlRecord();
        r.modelEvent = Objects.requireNonNull(e);
        return r;
    }

    public static ControlRecord of(CommandOutcome o) {
        ControlRecord r = new ControlRecord();
        r.outcome = Objects.requireNonNull(o);
        return r;
    }

    /** The deployment the record is about: the key of CONTROL. */
    public String deployment() {
        if (inference != null) {
            return inference.getDeployment();
        }
        if (signal != null) {
            return signal.getDeployment();
        }
        if (resources != null) {
            return resources.getDeployment();
        }
        if (modelEvent != null) {
            return modelEvent.getDeployment();
        }
        if (outcome != null) {
            return outcome.getDeployment();
        }
        throw new IllegalStateException("empty ControlRecord");
    }

    /** Event time in epoch milliseconds. */
    public long eventTimeMillis() {
        if (inference != null) {
            return inference.getEventTime().toEpochMilli();
        }
        if (signal != null) {
            return signal.getEventTime().toEpochMilli();
        }
        if (resources != null) {
            return resources.getEventTime().toEpochMilli();
        }
        if (modelEvent != null) {
            return modelEvent.getEventTime().toEpochMilli();
        }
        if (outcome != null) {
            return outcome.getEventTime().toEpochMilli();
        }
        throw new IllegalStateException("empty ControlRecord");
    }

    public InferenceEvent getInference() {
        return inference;
    }

    public void setInference(InferenceEvent inference) {
        this.inference = inference;
    }

    public Signal getSignal() {
        return signal;
    }

    public void setSignal(Signal signal) {
        this.signal = signal;
    }

    public ResourceSample getResources() {
        return resources;
    }

    public void setResources(ResourceSample resources) {
        this.resources = resources;
    }

    public ModelEvent getModelEvent() {
        return modelEvent;
    }

    public void setModelEvent(ModelEvent modelEvent) {
        this.modelEvent = modelEvent;
    }

    public CommandOutcome getOutcome() {
        return outcome;
    }

    public void setOutcome(CommandOutcome outcome) {
        this.outcome = outcome;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ControlRecord that)) {
            return false;
        }
        return Objects.equals(inference, that.inference)
                && Objects.equals(signal, that.signal)
                && Objects.equals(resources, that.resources)
                && Objects.equals(modelEvent, that.modelEvent)
                && Objects.equals(outcome, that.outcome);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inference, signal, resources, modelEvent, outcome);
    }

    @Override
    public String toString() {
        return "ControlRecord{" + deployment() + " @" + eventTimeMillis() + "}";
    }
}
