#!/usr/bin/env bash
# A real standalone Flink session cluster (JobManager and TaskManager as separate JVMs) and a real
# Kafka broker (KRaft, one node), on 127.0.0.1, from Maven Central jars: no flink-dist tarball, no
# Docker. Needs only Java 17 and Maven (the classpaths are built on first use).
#
#   deploy/cluster/cluster.sh start          # Kafka, JobManager, one TaskManager; waits until ready
#   deploy/cluster/cluster.sh status         # which processes run, the REST overview
#   deploy/cluster/cluster.sh kill-tm        # kill -9 the TaskManager (a crash), wait until gone
#   deploy/cluster/cluster.sh start-tm       # start a new TaskManager, wait until it registers
#   deploy/cluster/cluster.sh restart-kafka  # stop the broker (SIGTERM), start it on the same data
#   deploy/cluster/cluster.sh stop           # stop everything (SIGTERM, SIGKILL after 30 s)
#
# The cluster's configuration is flink-conf/config.yaml, copied to $HORMESIS_CLUSTER_DIR/conf with
# the local ports and directories below substituted (and any "key: value" lines of
# $HORMESIS_FLINK_CONF_OVERRIDES). JVM memory flags come from Flink's BashJavaUtils, as
# jobmanager.sh / taskmanager.sh of the distribution do.
#
# Environment (defaults in brackets):
#   HORMESIS_CLUSTER_DIR   working directory: conf, logs, pids, checkpoints [<repo>/target/cluster]
#   HORMESIS_REST_PORT     Flink REST API and web UI [8081]
#   HORMESIS_RPC_PORT      JobManager RPC [6123]     HORMESIS_BLOB_PORT  BLOB server [6124]
#   HORMESIS_PROM_PORTS    Prometheus reporter port range, one port per process [9249-9250]
#   HORMESIS_SLOTS         task slots of a TaskManager [3: WATCH, CONTROL, LINEAGE jobs]
#   HORMESIS_KAFKA_PORT    Kafka client listener [29092]  HORMESIS_KAFKA_CONTROLLER_PORT [29093]
#   HORMESIS_TOPICS        topics created by start, NAME:PARTITIONS
#                          [inference-events:2 signals:1 commands:1 dead-letters:1]
#   HORMESIS_FLINK_CONF_OVERRIDES  extra "key: value" lines for config.yaml (newline-separated)
#   HORMESIS_WAIT_SECONDS  upper bound of every wait [120]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${HORMESIS_CLUSTER_DIR:-$ROOT/target/cluster}"
REST_PORT="${HORMESIS_REST_PORT:-8081}"
RPC_PORT="${HORMESIS_RPC_PORT:-6123}"
BLOB_PORT="${HORMESIS_BLOB_PORT:-6124}"
PROM_PORTS="${HORMESIS_PROM_PORTS:-9249-9250}"
SLOTS="${HORMESIS_SLOTS:-3}"
KAFKA_PORT="${HORMESIS_KAFKA_PORT:-29092}"
KAFKA_CONTROLLER_PORT="${HORMESIS_KAFKA_CONTROLLER_PORT:-29093}"
WAIT_SECONDS="${HORMESIS_WAIT_SECONDS:-120}"
TOPICS="${HORMESIS_TOPICS:-inference-events:2 signals:1 commands:1 dead-letters:1 resource-samples:1 model-events:1 command-outcomes:1 decisions:1 policy-updates:1 baselines:1 data-batches:1 ground-truth:1}"
FLINK_LIB="$ROOT/flink-cluster/target/lib"
KAFKA_LIB="${HORMESIS_KAFKA_LIB:-$ROOT/kafka-broker/target/lib}"
CONF="$DIR/conf"
LOGS="$DIR/log"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

log() {
    echo "$(date -u +%H:%M:%S) $*"
}

# Builds the two classpaths with Maven when they are missing (first use on a fresh machine).
ensure_classpaths() {
    if ! compgen -G "$FLINK_LIB/flink-runtime-*.jar" > /dev/null \
        || ! compgen -G "$KAFKA_LIB/kafka_2.13-*.jar" > /dev/null; then
        log "building the cluster classpaths (mvn -pl flink-cluster,kafka-broker package)"
        (cd "$ROOT" && mvn -B -q -pl flink-cluster,kafka-broker -am package -DskipTests)
    fi
    compgen -G "$FLINK_LIB/flink-runtime-*.jar" > /dev/null || die "no Flink jars in $FLINK_LIB"
    compgen -G "$KAFKA_LIB/kafka_2.13-*.jar" > /dev/null || die "no Kafka jars in $KAFKA_LIB"
}

# GET http://127.0.0.1:$REST_PORT$1 with bash's /dev/tcp (no curl needed); prints the body.
rest_get() {
    local path="$1" response
    exec 3<> "/dev/tcp/127.0.0.1/$REST_PORT" || return 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
    response="$(timeout 10 cat <&3)" || { exec 3>&-; return 1; }
    exec 3>&-
    printf '%s' "${response#*$'\r\n\r\n'}"
}

port_open() {
    (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null
}

pid_of() {
    local file="$DIR/$1.pid"
    [[ -f "$file" ]] && cat "$file"
}

alive() {
    local pid
    pid="$(pid_of "$1")" || return 1
    [[ -n "$pid" ]] && kill -0 "$pid" 2> /dev/null
}

# wait_until SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s, fails after SECONDS.
wait_until() {
    local seconds="$1" what="$2"
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        if ((SECONDS >= deadline)); then
            die "timed out after ${seconds}s waiting for $what"
        fi
        sleep 0.2
    done
}

# Stops a process by its pid file: SIGTERM, SIGKILL after 30 s.
stop_process() {
    local name="$1" pid
    pid="$(pid_of "$name")" || return 0
    if kill -0 "$pid" 2> /dev/null; then
        log "stopping $name (pid $pid)"
        kill "$pid" 2> /dev/null || true
        local deadline=$((SECONDS + 30))
        while kill -0 "$pid" 2> /dev/null && ((SECONDS < deadline)); do sleep 0.2; done
        if kill -0 "$pid" 2> /dev/null; then
            log "$name (pid $pid) ignored SIGTERM for 30 s; killing it"
            kill -9 "$pid" 2> /dev/null || true
        fi
    fi
    rm -f "$DIR/$name.pid"
}

# The cluster configuration: flink-conf/config.yaml with the keys below replaced (YAML forbids a
# key twice, so the originals are dropped, then the local values appended).
write_flink_conf() {
    mkdir -p "$CONF" "$LOGS" "$DIR/tmp" "$DIR/checkpoints" "$DIR/savepoints" "$DIR/web"
    local overrides
    overrides="$(cat <<EOF
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $RPC_PORT
jobmanager.bind-host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.host: 127.0.0.1
blob.server.port: $BLOB_PORT
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $REST_PORT
taskmanager.numberOfTaskSlots: $SLOTS
metrics.reporter.prom.port: $PROM_PORTS
execution.checkpointing.dir: file://$DIR/checkpoints
execution.checkpointing.savepoint-dir: file://$DIR/savepoints
io.tmp.dirs: $DIR/tmp
web.tmpdir: $DIR/web
web.upload.dir: $DIR/web
${HORMESIS_FLINK_CONF_OVERRIDES:-}
EOF
)"
    local keys
    keys="$(printf '%s\n' "$overrides" | sed -n 's/^\([A-Za-z0-9_.-]*\):.*/\1/p' | sort -u)"
    awk -v keys="$keys" '
        BEGIN { n = split(keys, k, "\n"); for (i = 1; i <= n; i++) drop[k[i]] = 1 }
        { key = $0; sub(/:.*/, "", key); if (!(key in drop)) print }
    ' "$ROOT/flink-conf/config.yaml" > "$CONF/config.yaml"
    {
        echo
        echo "# Local values written by deploy/cluster/cluster.sh"
        printf '%s\n' "$overrides" | sed '/^$/d'
    } >> "$CONF/config.yaml"
    cp "$ROOT/deploy/cluster/log4j-cluster.properties" "$CONF/log4j.properties"
}

# The JDK 17 --add-opens list of env.java.opts.all in config.yaml.
java_opts() {
    sed -n 's/^env\.java\.opts\.all:[[:space:]]*//p' "$CONF/config.yaml"
}

# BashJavaUtils prints BASH_JAVA_UTILS_EXEC_RESULT:<jvm flags> then :<dynamic -D configs>.
resource_params() {
    local what="$1" out
    out="$("$JAVA" -cp "$FLINK_LIB/*" -Dlog4j2.configurationFile=none \
        org.apache.flink.runtime.util.bash.BashJavaUtils "$what" --configDir "$CONF" 2>&1)" \
        || die "BashJavaUtils $what failed: $out"
    printf '%s\n' "$out" | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

launch() {
    local name="$1" main="$2"
    shift 2
    local params jvm dynamic
    params="$(resource_params "$([[ $name == jobmanager ]] && echo GET_JM_RESOURCE_PARAMS \
        || echo GET_TM_RESOURCE_PARAMS)")"
    jvm="$(printf '%s\n' "$params" | sed -n 1p)"
    dynamic="$(printf '%s\n' "$params" | sed -n 2p)"
    [[ -n "$jvm" ]] || die "BashJavaUtils gave no JVM flags for $name"
    # shellcheck disable=SC2046,SC2086 # word splitting of the flag lists is intended
    nohup "$JAVA" $jvm $(java_opts) -XX:+ExitOnOutOfMemoryError \
        -Djava.io.tmpdir="$DIR/tmp" \
        -Dlog.file="$LOGS/$name.log" \
        -Dlog4j.configurationFile="file:$CONF/log4j.properties" \
        -cp "$FLINK_LIB/*" "$main" --configDir "$CONF" $dynamic "$@" \
        > "$LOGS/$name.out" 2>&1 < /dev/null &
    echo $! > "$DIR/$name.pid"
    log "started $name (pid $!), log $LOGS/$name.log"
}

rest_up() {
    rest_get /overview 2> /dev/null | grep -q '"taskmanagers"'
}

start_jobmanager() {
    alive jobmanager && die "the JobManager already runs (pid $(pid_of jobmanager))"
    launch jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
    wait_until "$WAIT_SECONDS" "the JobManager's REST API on 127.0.0.1:$REST_PORT" \
        jobmanager_up_or_dead
    alive jobmanager || die "the JobManager exited; see $LOGS/jobmanager.log and .out"
    log "JobManager REST API up on http://127.0.0.1:$REST_PORT"
}

jobmanager_up_or_dead() {
    rest_up || ! alive jobmanager
}

tm_registered() {
    rest_get /taskmanagers 2> /dev/null | grep -q "\"id\":\"$1\"" || ! alive taskmanager
}

# Starts a TaskManager and waits until it registers; on an overloaded machine its RPC system can
# time out while starting (it then exits), so a TaskManager that dies before registering is
# started once more.
start_taskmanager() {
    alive taskmanager && die "a TaskManager already runs (pid $(pid_of taskmanager))"
    alive jobmanager || die "no JobManager runs: cluster.sh start first"
    local count id attempt
    for attempt in 1 2; do
        count=$(($(cat "$DIR/taskmanager.count" 2> /dev/null || echo 0) + 1))
        echo "$count" > "$DIR/taskmanager.count"
        id="taskmanager-$count"
        launch taskmanager org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
            -D "taskmanager.resource-id=$id"
        wait_until "$WAIT_SECONDS" "TaskManager $id to register" tm_registered "$id"
        if alive taskmanager; then
            log "TaskManager $id registered"
            return 0
        fi
        log "TaskManager $id exited before registering (attempt $attempt); see $LOGS/taskmanager.log"
        rm -f "$DIR/taskmanager.pid"
    done
    die "the TaskManager exited twice; see $LOGS/taskmanager.log and .out"
}

kill_taskmanager() {
    local pid
    pid="$(pid_of taskmanager)" || die "no TaskManager pid file"
    kill -0 "$pid" 2> /dev/null || die "the TaskManager (pid $pid) does not run"
    kill -9 "$pid"
    wait_until 30 "TaskManager pid $pid to exit" bash -c "! kill -0 $pid 2> /dev/null"
    rm -f "$DIR/taskmanager.pid"
    log "killed TaskManager (pid $pid) with SIGKILL"
}

write_kafka_conf() {
    local kdir="$DIR/kafka"
    mkdir -p "$kdir/tmp"
    cat > "$kdir/server.properties" <<EOF
# Written by deploy/cluster/cluster.sh: one node, broker and controller (KRaft combined mode).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$kdir/kafka-logs
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
# Records carry their event time as timestamp and the fault tests replay event times far in the
# past: 7-day time-based retention would delete them at the broker's first retention check.
log.retention.ms=-1
EOF
    cat > "$kdir/log4j2.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = stdout
appender.stdout.type = Console
appender.stdout.name = stdout
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
EOF
}

kafka_java() {
    "$JAVA" -Xmx512m -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir="$DIR/kafka/tmp" \
        -Dlog4j2.configurationFile="file:$DIR/kafka/log4j2.properties" -cp "$KAFKA_LIB/*" "$@"
}

kafka_up_or_dead() {
    { port_open "$KAFKA_PORT" && grep -q "Kafka Server started" "$LOGS/kafka.log"; } \
        || ! alive kafka
}

start_kafka() {
    alive kafka && die "the Kafka broker already runs (pid $(pid_of kafka))"
    write_kafka_conf
    if [[ ! -f "$DIR/kafka/kafka-logs/meta.properties" ]]; then
        local id
        id="$(kafka_java kafka.tools.StorageTool random-uuid | tail -1)"
        kafka_java kafka.tools.StorageTool format -t "$id" -c "$DIR/kafka/server.properties" \
            > "$LOGS/kafka-format.log" 2>&1 || die "formatting Kafka failed: $LOGS/kafka-format.log"
    fi
    : > "$LOGS/kafka.log"
    nohup "$JAVA" -Xmx512m -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir="$DIR/kafka/tmp" \
        -Dlog4j2.configurationFile="file:$DIR/kafka/log4j2.properties" -cp "$KAFKA_LIB/*" \
        kafka.Kafka "$DIR/kafka/server.properties" >> "$LOGS/kafka.log" 2>&1 < /dev/null &
    echo $! > "$DIR/kafka.pid"
    wait_until "$WAIT_SECONDS" "Kafka on 127.0.0.1:$KAFKA_PORT" kafka_up_or_dead
    alive kafka || die "the Kafka broker exited; see $LOGS/kafka.log"
    log "Kafka broker (pid $(pid_of kafka)) up on 127.0.0.1:$KAFKA_PORT"
}

# Creates the topics the jobs read and write (the broker does not auto-create them), in parallel.
create_topics() {
    local spec pids=() failed=0
    for spec in $TOPICS; do
        kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
            --create --if-not-exists --topic "${spec%%:*}" --partitions "${spec##*:}" \
            --replication-factor 1 >> "$LOGS/kafka-topics.log" 2>&1 &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    ((failed == 0)) || die "creating topics failed; see $LOGS/kafka-topics.log"
    log "topics ready: $TOPICS"
}

status() {
    local name
    for name in kafka jobmanager taskmanager; do
        if alive "$name"; then
            echo "$name: running (pid $(pid_of "$name"))"
        else
            echo "$name: not running"
        fi
    done
    if rest_up; then
        echo "REST http://127.0.0.1:$REST_PORT/overview: $(rest_get /overview)"
    fi
}

main() {
    local command="${1:-}"
    case "$command" in
        start)
            ensure_classpaths
            mkdir -p "$DIR" "$LOGS"
            write_flink_conf
            alive kafka || start_kafka
            create_topics
            start_jobmanager
            start_taskmanager
            ;;
        start-tm)
            ensure_classpaths
            start_taskmanager
            ;;
        kill-tm) kill_taskmanager ;;
        start-kafka)
            ensure_classpaths
            mkdir -p "$DIR" "$LOGS"
            start_kafka
            ;;
        restart-kafka)
            stop_process kafka
            start_kafka
            ;;
        stop)
            stop_process taskmanager
            stop_process jobmanager
            stop_process kafka
            ;;
        status) status ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
