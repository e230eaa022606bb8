package io.hormesis.jobs.control;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

import io.hormesis.jobs.common.BinaryStateSerializer;
import io.hormesis.stats.control.DeploymentController;

/** Keeps a {@link DeploymentController} (its config included) in keyed state in its own form. */
public final class DeploymentControllerSerializer
        extends BinaryStateSerializer<DeploymentController> {
    private static final long serialVersionUID = 1L;

    public static final DeploymentControllerSerializer INSTANCE =
            new DeploymentControllerSerializer();

    @Override
    protected byte[] toBytes(DeploymentController value) {
        return value.toBytes();
    }

    @Override
    protected DeploymentController fromBytes(byte[] bytes) {
        return DeploymentController.fromBytes(bytes);
    }

    @Override
    public DeploymentController createInstance() {
        return new DeploymentController(
                "instance", DeploymentController.Config.defaults(1000, 1, 2, 1, 1000));
    }

    @Override
    public TypeSerializerSnapshot<DeploymentController> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot for savepoint compatibility. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<DeploymentController> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
