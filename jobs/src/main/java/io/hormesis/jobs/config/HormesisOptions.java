package io.hormesis.jobs.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Every Hormesis setting, typed, with its default and meaning in one place. */
public final class HormesisOptions {
    private HormesisOptions() {}

    public static final ConfigOption<String> BOOTSTRAP_SERVERS =
            ConfigOptions.key("kafka.bootstrap-servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Kafka bootstrap servers, e.g. 127.0.0.1:9092.");

    public static final ConfigOption<String> TOPIC_INFERENCE_EVENTS =
            ConfigOptions.key("topic.inference-events")
                    .stringType()
                    .defaultValue("inference-events")
                    .withDescription("Topic of InferenceEvent records (WATCH input).");

    public static final ConfigOption<String> TOPIC_SIGNALS =
            ConfigOptions.key("topic.signals")
                    .stringType()
                    .defaultValue("signals")
                    .withDescription("Topic of Signal records (WATCH output, CONTROL input).");

    public static final ConfigOption<String> TOPIC_COMMANDS =
            ConfigOptions.key("topic.commands")
                    .stringType()
                    .defaultValue("commands")
                    .withDescription("Topic of Command records (CONTROL output).");

    public static final ConfigOption<String> TOPIC_DEAD_LETTERS =
            ConfigOptions.key("topic.dead-letters")
                    .stringType()
                    .defaultValue("dead-letters")
                    .withDescription("Topic of DeadLetter records: every record not used, why.");

    public static final ConfigOption<String> TOPIC_RESOURCE_SAMPLES =
            ConfigOptions.key("topic.resource-samples")
                    .stringType()
                    .defaultValue("resource-samples")
                    .withDescription(
                            "Topic of ResourceSample records (CONTROL input: replicas, GPU utilisation).");

    public static final ConfigOption<String> TOPIC_MODEL_EVENTS =
            ConfigOptions.key("topic.model-events")
                    .stringType()
                    .defaultValue("model-events")
                    .withDescription(
                            "Topic of ModelEvent records (CONTROL and LINEAGE input: deploys, promotions, rollbacks).");

    public static final ConfigOption<String> TOPIC_DATA_BATCHES =
            ConfigOptions.key("topic.data-batches")
                    .stringType()
                    .defaultValue("data-batches")
                    .withDescription(
                            "Topic of DataBatch records (LINEAGE input: training and evaluation data).");

    public static final ConfigOption<String> TOPIC_GROUND_TRUTH =
            ConfigOptions.key("topic.ground-truth")
                    .stringType()
                    .defaultValue("ground-truth")
                    .withDescription(
                            "Topic of GroundTruth records (delayed labels, joined by request id).");

    public static final ConfigOption<String> TOPIC_COMMAND_OUTCOMES =
            ConfigOptions.key("topic.command-outcomes")
                    .stringType()
                    .defaultValue("command-outcomes")
                    .withDescription(
                            "Topic of CommandOutcome records from the controllers (closes the loop).");

    public static final ConfigOption<String> TOPIC_DECISIONS =
            ConfigOptions.key("topic.decisions")
                    .stringType()
                    .defaultValue("decisions")
                    .withDescription(
                            "Topic of Decision records (CONTROL output: every decision, with or without a command).");

    public static final ConfigOption<String> TOPIC_POLICY_UPDATES =
            ConfigOptions.key("topic.policy-updates")
                    .stringType()
                    .defaultValue("policy-updates")
                    .withDescription(
                            "Topic of PolicyUpdate records (CONTROL output: what each outcome taught).");

    public static final ConfigOption<String> TOPIC_BASELINES =
            ConfigOptions.key("topic.baselines")
                    .stringType()
                    .defaultValue("baselines")
                    .withDescription(
                            "Topic of BaselineSnapshot records (WATCH output: periodic baseline state per key).");

    public static final ConfigOption<String> WAREHOUSE =
            ConfigOptions.key("iceberg.warehouse")
                    .stringType()
                    .defaultValue(".hormesis/warehouse")
                    .withDescription("Iceberg warehouse of the local Hadoop catalog (path/URI).");

    public static final ConfigOption<String> CATALOG_NAME =
            ConfigOptions.key("iceberg.catalog-name")
                    .stringType()
                    .defaultValue("hormesis")
                    .withDescription("Name of the Iceberg catalog in SQL.");

    public static final ConfigOption<String> CATALOG_TYPE =
            ConfigOptions.key("iceberg.catalog-type")
                    .stringType()
                    .defaultValue("hadoop")
                    .withDescription(
                            "Iceberg catalog: hadoop (tables under iceberg.warehouse, the default),"
                                    + " jdbc (table pointers in a database at iceberg.catalog-uri,"
                                    + " e.g. jdbc:sqlite:/data/catalog.db, files under"
                                    + " iceberg.warehouse) or rest (a REST catalog at"
                                    + " iceberg.catalog-uri).");

    public static final ConfigOption<String> CATALOG_URI =
            ConfigOptions.key("iceberg.catalog-uri")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JDBC URL (iceberg.catalog-type=jdbc) or REST endpoint (rest).");

    /**
     * Settings under this prefix are Iceberg catalog properties, one each (the prefix removed):
     * {@code iceberg.property.s3.endpoint=http://minio:9000}.
     */
    public static final String CATALOG_PROPERTY_PREFIX = "iceberg.property.";

    public static final ConfigOption<Map<String, String>> CATALOG_PROPERTIES =
            ConfigOptions.key("iceberg.catalog-properties")
                    .mapType()
                    .defaultValue(Map.of())
                    .withDescription(
                            "Further Iceberg catalog properties, KEY:VALUE,KEY:VALUE (e.g."
                                    + " jdbc.user:iceberg, io-impl:...). A value with ':' or ','"
                                    + " (a URL) is easier as its own setting "
                                    + CATALOG_PROPERTY_PREFIX
                                    + "KEY=VALUE, e.g. "
                                    + CATALOG_PROPERTY_PREFIX
                                    + "s3.endpoint=http://minio:9000.");

    public static final ConfigOption<Double> WATCH_FIRE_P =
            ConfigOptions.key("watch.fire-p")
                    .doubleType()
                    .defaultValue(1e-6)
                    .withDescription(
                            "Tail probability at or below which an observation fires (anomaly"
                                    + " score >= 1 - fire-p); the first firing of an episode is a"
                                    + " signal.");

    public static final ConfigOption<Duration> WATCH_INTERVAL =
            ConfigOptions.key("watch.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "Event-time interval WATCH aggregates each key's requests over; each"
                                    + " interval (several while a key has fewer than 10 requests)"
                                    + " is tested against the key's baseline.");

    public static final ConfigOption<Duration> WATCH_BASELINE_INTERVAL =
            ConfigOptions.key("watch.baseline-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription(
                            "Event time between two BaselineSnapshot records of one key (to"
                                    + " topic.baselines).");

    public static final ConfigOption<Duration> WATCH_MAX_FUTURE_SKEW =
            ConfigOptions.key("watch.max-future-skew")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription("Events stamped further ahead of the wall clock are invalid.");

    public static final ConfigOption<List<String>> WATCH_KNOWN_DEPLOYMENTS =
            ConfigOptions.key("watch.known-deployments")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Deployments WATCH accepts events from (a;b;c); events of"
                                    + " any other go to dead-letters as UNKNOWN_DEPLOYMENT, so a"
                                    + " misconfigured or hostile producer cannot create keyed"
                                    + " state at will. Empty (the default): every deployment.");

    public static final ConfigOption<Duration> STATE_TTL =
            ConfigOptions.key("state.ttl")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription("Keyed state not written for this long is dropped.");

    public static final ConfigOption<Integer> CONTROL_INITIAL_REPLICAS =
            ConfigOptions.key("control.initial-replicas")
                    .intType()
                    .defaultValue(2)
                    .withDescription("Replicas assumed for a deployment before any SCALE command.");

    public static final ConfigOption<Integer> CONTROL_MAX_REPLICAS =
            ConfigOptions.key("control.max-replicas")
                    .intType()
                    .defaultValue(32)
                    .withDescription("Upper bound of any SCALE target.");

    public static final ConfigOption<Duration> CONTROL_COOLDOWN =
            ConfigOptions.key("control.cooldown")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "Scale-down stabilisation window (HPA: 300 s): the target is the"
                                    + " highest recommendation of this much event time.");

    public static final ConfigOption<Duration> CONTROL_COMMAND_TTL =
            ConfigOptions.key("control.command-ttl")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription("How long after issue a command expires.");

    public static final ConfigOption<String> CONTROL_SIGNING_KEY =
            ConfigOptions.key("control.signing-key")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "HMAC-SHA256 key for commands (at least 32 characters); "
                                    + "env HORMESIS_SIGNING_KEY is read when this is unset.");

    public static final ConfigOption<String> CONTROL_SIGNING_KEY_ID =
            ConfigOptions.key("control.signing-key-id")
                    .stringType()
                    .defaultValue("k1")
                    .withDescription("Id of the signing key, so consumers can rotate keys.");

    public static final ConfigOption<Double> CONTROL_SLO_MS =
            ConfigOptions.key("control.slo-ms")
                    .doubleType()
                    .defaultValue(1500.0)
                    .withDescription(
                            "p95 latency objective (ms): capacity per replica is learned at it.");

    public static final ConfigOption<Integer> CONTROL_MIN_REPLICAS =
            ConfigOptions.key("control.min-replicas")
                    .intType()
                    .defaultValue(1)
                    .withDescription("Lower bound of any SCALE target.");

    public static final ConfigOption<Double> CONTROL_PRIOR_CAPACITY =
            ConfigOptions.key("control.prior-capacity")
                    .doubleType()
                    .defaultValue(8.0)
                    .withDescription(
                            "Requests/s one replica is assumed to serve within the SLO until"
                                    + " learned from (load, latency) observations.");

    public static final ConfigOption<Duration> CONTROL_PRIOR_WARMUP =
            ConfigOptions.key("control.prior-warmup")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription(
                            "Replica warm-up time assumed until learned from SCALE outcomes.");

    public static final ConfigOption<Duration> CONTROL_INTERVAL =
            ConfigOptions.key("control.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "Telemetry interval and tick of CONTROL (event time): inference"
                                    + " events are aggregated per interval and version.");

    public static final ConfigOption<Duration> CONTROL_CANARY_WINDOW =
            ConfigOptions.key("control.canary-window")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "How long after a deploy the new version is judged against its"
                                    + " predecessor (ROLLBACK), in event time.");

    public static final ConfigOption<Duration> CONTROL_IDLE_AFTER =
            ConfigOptions.key("control.idle-after")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "A deployment with no input for this much event time stops ticking;"
                                    + " its state is dropped state.ttl later.");

    public static final ConfigOption<Duration> CONTROL_MAX_OUT_OF_ORDERNESS =
            ConfigOptions.key("control.max-out-of-orderness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "How far CONTROL's inputs may arrive out of event-time order; an"
                                    + " inference event later than this is counted as late.");

    public static final ConfigOption<Duration> CONTROL_IDLE_INPUT =
            ConfigOptions.key("control.idle-input")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "Wall time after which a partition of a CONTROL input with no"
                                    + " records stops holding back the watermark (each"
                                    + " partition has its own). Too short and, reading a"
                                    + " backlog on a busy machine, a partition that waits for"
                                    + " its turn (the consumer drains another partition's 1 MB"
                                    + " fetch first) is taken for idle and its records become"
                                    + " late; too long and an empty topic delays CONTROL's"
                                    + " first decisions by as much after every start.");

    /** Every option above, by key. */
    public static List<ConfigOption<?>> all() {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Field field : HormesisOptions.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == ConfigOption.class) {
                try {
                    options.add((ConfigOption<?>) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return options;
    }

    /**
     * Builds a configuration from {@code key=value} settings, failing on keys that are neither
     * Hormesis options nor Flink keys (anything else is a typo that would otherwise be ignored).
     */
    public static Configuration fromSettings(Map<String, String> settings) {
        Set<String> known = new TreeSet<>();
        for (ConfigOption<?> option : all()) {
            known.add(option.key());
        }
        for (String key : settings.keySet()) {
            if (key.startsWith(CATALOG_PROPERTY_PREFIX)
                    && key.length() == CATALOG_PROPERTY_PREFIX.length()) {
                throw new IllegalArgumentException(
                        "setting '" + key + "' names no catalog property after the prefix");
            }
            if (!known.contains(key)
                    && !key.startsWith(CATALOG_PROPERTY_PREFIX)
                    && !looksLikeFlinkKey(key)) {
                throw new IllegalArgumentException(
                        "unknown setting '"
                                + key
                                + "'; known settings: "
                                + String.join(", ", known));
            }
        }
        Configuration configuration = Configuration.fromMap(settings);
        validate(configuration);
        return configuration;
    }

    private static boolean looksLikeFlinkKey(String key) {
        for (String prefix :
                List.of(
                        "execution.",
                        "pipeline.",
                        "parallelism.",
                        "state.",
                        "restart-strategy",
                        "metrics.",
                        "taskmanager.",
                        "jobmanager.",
                        "rest.",
                        "table.")) {
            if (key.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Fails fast with a message that names the setting. */
    public static void validate(Configuration c) {
        String catalogType = c.get(CATALOG_TYPE);
        if (!List.of("hadoop", "jdbc", "rest").contains(catalogType)) {
            throw new IllegalArgumentException(
                    CATALOG_TYPE.key()
                            + " must be hadoop, jdbc or rest, got '"
                            + catalogType
                            + "'");
        }
        if (!catalogType.equals("hadoop") && c.getOptional(CATALOG_URI).isEmpty()) {
            throw new IllegalArgumentException(
                    CATALOG_TYPE.key() + "=" + catalogType + " needs " + CATALOG_URI.key());
        }
        requireRange(c, WATCH_FIRE_P, 0.0, 1.0, false);
        requireAtLeast(c, CONTROL_INITIAL_REPLICAS, 1);
        requireAtLeast(c, CONTROL_MIN_REPLICAS, 0);
        if (c.get(CONTROL_MIN_REPLICAS) > c.get(CONTROL_INITIAL_REPLICAS)) {
            throw new IllegalArgumentException(
                    CONTROL_MIN_REPLICAS.key()
                            + " ("
                            + c.get(CONTROL_MIN_REPLICAS)
                            + ") must be <= "
                            + CONTROL_INITIAL_REPLICAS.key()
                            + " ("
                            + c.get(CONTROL_INITIAL_REPLICAS)
                            + ")");
        }
        requirePositive(c, CONTROL_SLO_MS);
        requirePositive(c, CONTROL_PRIOR_CAPACITY);
        if (c.get(CONTROL_MAX_REPLICAS) < c.get(CONTROL_INITIAL_REPLICAS)) {
            throw new IllegalArgumentException(
                    CONTROL_MAX_REPLICAS.key()
                            + " ("
                            + c.get(CONTROL_MAX_REPLICAS)
                            + ") must be >= "
                            + CONTROL_INITIAL_REPLICAS.key()
                            + " ("
                            + c.get(CONTROL_INITIAL_REPLICAS)
                            + ")");
        }
        for (ConfigOption<Duration> option :
                List.of(
                        WATCH_INTERVAL,
                        WATCH_BASELINE_INTERVAL,
                        WATCH_MAX_FUTURE_SKEW,
                        STATE_TTL,
                        CONTROL_COOLDOWN,
                        CONTROL_COMMAND_TTL,
                        CONTROL_PRIOR_WARMUP,
                        CONTROL_INTERVAL,
                        CONTROL_CANARY_WINDOW,
                        CONTROL_IDLE_AFTER,
                        CONTROL_MAX_OUT_OF_ORDERNESS,
                        CONTROL_IDLE_INPUT)) {
            if (c.get(option).isNegative() || c.get(option).isZero()) {
                throw new IllegalArgumentException(option.key() + " must be positive");
            }
        }
    }

    /** The signing key from configuration or the environment, or a clear error. */
    public static String signingKey(Configuration c) {
        String key =
                c.getOptional(CONTROL_SIGNING_KEY).orElse(System.getenv("HORMESIS_SIGNING_KEY"));
        if (key == null || key.length() < 32) {
            throw new IllegalArgumentException(
                    "commands must be signed: set "
                            + CONTROL_SIGNING_KEY.key()
                            + " (or env HORMESIS_SIGNING_KEY) to a secret of at least 32 characters");
        }
        return key;
    }

    public static String bootstrapServers(Configuration c) {
        return c.getOptional(BOOTSTRAP_SERVERS)
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "set "
                                                + BOOTSTRAP_SERVERS.key()
                                                + " (--bootstrap-servers HOST:PORT)"));
    }

    private static void requirePositive(Configuration c, ConfigOption<Double> option) {
        if (!(c.get(option) > 0)) {
            throw new IllegalArgumentException(option.key() + " must be > 0, got " + c.get(option));
        }
    }

    private static void requireRange(
            Configuration c, ConfigOption<Double> option, double lo, double hi, boolean loOk) {
        double v = c.get(option);
        boolean ok = (loOk ? v >= lo : v > lo) && v <= hi;
        if (!ok) {
            throw new IllegalArgumentException(
                    option.key()
                            + " must be in "
                            + (loOk ? "[" : "(")
                            + lo
                            + ", "
                            + hi
                            + "], got "
                            + v);
        }
    }

    private static void requireAtLeast(Configuration c, ConfigOption<Integer> option, int min) {
        if (c.get(option) < min) {
            throw new IllegalArgumentException(
                    option.key() + " must be >= " + min + ", got " + c.get(option));
        }
    }
}
