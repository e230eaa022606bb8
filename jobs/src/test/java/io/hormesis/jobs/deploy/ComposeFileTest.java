package io.hormesis.jobs.deploy;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

import io.hormesis.jobs.testutils.DashboardQueries;
import io.hormesis.jobs.testutils.StandaloneCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No Docker engine runs here, so docker-compose.yml is checked by reading it: every service it
 * depends on exists (with a healthcheck where it waits for health), ports are loopback-only and
 * distinct, named volumes are declared and used, every bind-mounted file or directory exists in the
 * repository (or is the jar the build makes), and the files it mounts agree with each other:
 * Prometheus scrapes the port Flink's reporter serves, Grafana loads the dashboard from where it is
 * mounted and finds its data source, and the Flink UI port is the REST port of flink-conf.
 */
class ComposeFileTest {
    private static Path root;
    private static Map<String, Object> compose;
    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    static void load() throws IOException {
        root = StandaloneCluster.projectRoot();
        compose = yaml(root.resolve("docker-compose.yml"));
        services = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : map(compose.get("services")).entrySet()) {
            services.put(e.getKey(), map(e.getValue()));
        }
    }

    @Test
    void theDeploymentHasEveryPart() {
        assertThat(services)
                .containsKeys(
                        "kafka",
                        "minio",
                        "minio-init",
                        "iceberg-rest",
                        "flink-libs",
                        "jobmanager",
                        "taskmanager",
                        "prometheus",
                        "grafana");
        assertThat(services.values()).allSatisfy(s -> assertThat(s).containsKey("image"));
    }

    @Test
    void dependenciesExistAndAreWaitedOnTheWayTheySay() {
        for (Map.Entry<String, Map<String, Object>> s : services.entrySet()) {
            Object deps = s.getValue().get("depends_on");
            if (deps == null) {
                continue;
            }
            for (Map.Entry<String, Object> dep : map(deps).entrySet()) {
                assertThat(services).as(s.getKey() + " depends on").containsKey(dep.getKey());
                String condition = String.valueOf(map(dep.getValue()).get("condition"));
                Map<String, Object> target = services.get(dep.getKey());
                if (condition.equals("service_healthy")) {
                    assertThat(target)
                            .as(dep.getKey() + " must have a healthcheck for " + s.getKey())
                            .containsKey("healthcheck");
                } else if (condition.equals("service_completed_successfully")) {
                    assertThat(target.get("restart")).as(dep.getKey()).isEqualTo("no");
                } else {
                    assertThat(condition).isEqualTo("service_started");
                }
            }
        }
    }

    @Test
    void portsAreLoopbackOnlyAndDistinct() {
        Set<String> hostPorts = new HashSet<>();
        for (Map.Entry<String, Map<String, Object>> s : services.entrySet()) {
            for (Object port : list(s.getValue().get("ports"))) {
                String spec = String.valueOf(port);
                assertThat(spec).as(s.getKey()).matches("127\\.0\\.0\\.1:\\d+:\\d+");
                assertThat(hostPorts.add(spec.split(":")[1]))
                        .as("host port of " + spec + " used once")
                        .isTrue();
            }
        }
    }

    @Test
    void namedVolumesAreDeclaredAndUsedAndBindSourcesExist() {
        Set<String> declared = map(compose.get("volumes")).keySet();
        Set<String> used = new HashSet<>();
        for (Map.Entry<String, Map<String, Object>> s : services.entrySet()) {
            for (Object volume : list(s.getValue().get("volumes"))) {
                String source;
                if (volume instanceof Map<?, ?> long_) {
                    source = String.valueOf(long_.get("source"));
                    if ("bind".equals(long_.get("type"))) {
                        assertBindSource(s.getKey(), source);
                        continue;
                    }
                } else {
                    source = String.valueOf(volume).split(":")[0];
                }
                if (source.startsWith(".") || source.startsWith("/")) {
                    assertBindSource(s.getKey(), source);
                } else {
                    assertThat(declared).as(s.getKey() + " volume").contains(source);
                    used.add(source);
                }
            }
        }
        assertThat(used).containsExactlyInAnyOrderElementsOf(declared);
    }

    private static void assertBindSource(String service, String source) {
        Path path = root.resolve(source).normalize();
        if (source.equals("./jobs/target/hormesis.jar")) {
            // Built by `mvn package`: the shade plugin's finalName in jobs/pom.xml.
            assertThat(read("jobs/pom.xml")).contains("<finalName>hormesis</finalName>");
            return;
        }
        assertThat(path).as(service + " mounts " + source).exists();
    }

    @Test
    void theFlinkContainersCopyFilesThatExistAndExposeTheConfiguredPorts() {
        Map<String, Object> jobmanager = services.get("jobmanager");
        String entrypoint = String.join(" ", strings(jobmanager.get("entrypoint")));
        Matcher copied =
                Pattern.compile("/opt/hormesis/flink-conf/([A-Za-z0-9_.-]+)").matcher(entrypoint);
        int files = 0;
        while (copied.find()) {
            assertThat(root.resolve("flink-conf").resolve(copied.group(1))).exists();
            files++;
        }
        assertThat(files).isPositive();
        Map<String, String> flink = flinkConf();
        assertThat(strings(jobmanager.get("ports")))
                .contains("127.0.0.1:" + flink.get("rest.port") + ":" + flink.get("rest.port"));
        // Both Flink services run from the same image and configuration.
        assertThat(services.get("taskmanager").get("image")).isEqualTo(jobmanager.get("image"));
        assertThat(services.get("taskmanager").get("volumes")).isEqualTo(jobmanager.get("volumes"));
    }

    @Test
    void theJobsGetS3FileIoAtTheIcebergVersionTheyAreBuiltWith() {
        // flink-libs fetches iceberg-aws-bundle at the pom's Iceberg version to the volume the
        // Flink containers mount, under the name `flink run -C` in the usage lines points to.
        Matcher pom =
                Pattern.compile("<iceberg.version>([^<]+)</iceberg.version>")
                        .matcher(read("pom.xml"));
        assertThat(pom.find()).isTrue();
        Map<String, Object> libs = services.get("flink-libs");
        assertThat(map(libs.get("environment")).get("ICEBERG_VERSION")).hasToString(pom.group(1));
        String script = String.join(" ", strings(libs.get("entrypoint")));
        assertThat(script)
                .contains("org/apache/iceberg/iceberg-aws-bundle/")
                .contains("jar=/libs/iceberg-aws-bundle.jar")
                .contains("sha1sum -c");
        assertThat(strings(libs.get("volumes"))).containsExactly("flink-libs:/libs");
        Object mount =
                list(services.get("jobmanager").get("volumes")).stream()
                        .filter(
                                v ->
                                        v instanceof Map<?, ?> m
                                                && "flink-libs".equals(m.get("source")))
                        .findFirst()
                        .orElseThrow();
        String target = String.valueOf(((Map<?, ?>) mount).get("target"));
        assertThat(read("docker-compose.yml"))
                .contains("flink run -d -C file://" + target + "/iceberg-aws-bundle.jar");
        assertThat(map(services.get("jobmanager").get("depends_on")).get("flink-libs"))
                .hasToString("{condition=service_completed_successfully}");
    }

    @Test
    void prometheusScrapesThePortsFlinksReporterServes() throws IOException {
        Map<String, Object> prometheus = yaml(root.resolve("deploy/prometheus/prometheus.yml"));
        String firstReporterPort = flinkConf().get("metrics.reporter.prom.port").split("-")[0];
        Set<String> targets = new HashSet<>();
        for (Object job : list(prometheus.get("scrape_configs"))) {
            Map<String, Object> j = map(job);
            for (Object c : list(j.get("static_configs"))) {
                targets.addAll(strings(map(c).get("targets")));
            }
            for (Object c : list(j.get("dns_sd_configs"))) {
                for (String name : strings(map(c).get("names"))) {
                    targets.add(name + ":" + map(c).get("port"));
                }
            }
        }
        assertThat(targets)
                .contains("jobmanager:" + firstReporterPort, "taskmanager:" + firstReporterPort);
        assertThat(strings(services.get("prometheus").get("volumes")))
                .contains("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
    }

    @Test
    void grafanaProvisionsTheDashboardFromWhereItIsMountedWithItsDataSource() throws IOException {
        List<String> volumes = strings(services.get("grafana").get("volumes"));
        Map<String, String> mounts = new LinkedHashMap<>();
        for (String v : volumes) {
            String[] parts = v.split(":");
            mounts.put(parts[1], parts[0]);
        }
        Path provisioning = root.resolve(mounts.get("/etc/grafana/provisioning"));
        Map<String, Object> dashboards = yaml(provisioning.resolve("dashboards/hormesis.yml"));
        String path =
                String.valueOf(
                        map(map(list(dashboards.get("providers")).get(0)).get("options"))
                                .get("path"));
        Path dashboardDir = root.resolve(mounts.get(path));
        Path dashboard = dashboardDir.resolve("hormesis.json");
        assertThat(dashboard).exists();

        Map<String, Object> datasource =
                map(
                        list(yaml(provisioning.resolve("datasources/prometheus.yml"))
                                        .get("datasources"))
                                .get(0));
        assertThat(datasource.get("url")).isEqualTo("http://prometheus:9090");
        assertThat(strings(services.get("prometheus").get("ports")))
                .contains("127.0.0.1:9090:9090");
        JsonNode json = new ObjectMapper().readTree(dashboard.toFile());
        List<String> uids = new ArrayList<>();
        json.findValues("datasource")
                .forEach(
                        d -> {
                            if (d.has("uid") && !d.get("uid").asText().startsWith("$")) {
                                uids.add(d.get("uid").asText());
                            }
                        });
        assertThat(uids).isNotEmpty().allMatch(uid -> uid.equals(datasource.get("uid")));
        assertThat(DashboardQueries.expressions(dashboard)).hasSizeGreaterThanOrEqualTo(6);
    }

    private static Map<String, String> flinkConf() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e :
                map(new Load(LoadSettings.builder().build())
                                .loadFromString(read("flink-conf/config.yaml")))
                        .entrySet()) {
            out.put(e.getKey(), String.valueOf(e.getValue()));
        }
        return out;
    }

    private static Map<String, Object> yaml(Path file) throws IOException {
        Object loaded =
                new Load(LoadSettings.builder().build())
                        .loadFromString(Files.readString(file, StandardCharsets.UTF_8));
        return map(resolveMergeKeys(loaded));
    }

    /** YAML 1.2 (SnakeYAML Engine) has no merge keys; Compose files use {@code <<: *anchor}. */
    @SuppressWarnings("unchecked")
    private static Object resolveMergeKeys(Object node) {
        if (node instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            Object merge = m.get("<<");
            if (merge != null) {
                List<Object> sources =
                        merge instanceof List<?> l ? (List<Object>) l : List.of(merge);
                for (Object source : sources) {
                    out.putAll((Map<String, Object>) resolveMergeKeys(source));
                }
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!"<<".equals(e.getKey())) {
                    out.put(String.valueOf(e.getKey()), resolveMergeKeys(e.getValue()));
                }
            }
            return out;
        }
        if (node instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(resolveMergeKeys(x)));
            return out;
        }
        return node;
    }

    private static String read(String relative) {
        try {
            return Files.readString(root.resolve(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    private static List<Object> list(Object o) {
        if (o == null) {
            return List.of();
        }
        assertThat(o).isInstanceOf(List.class);
        return new ArrayList<>((List<?>) o);
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        for (Object x : list(o)) {
            out.add(String.valueOf(x));
        }
        return out;
    }
}
