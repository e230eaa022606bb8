package io.hormesis.jobs.testutils;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The parts of Flink's REST API a user (or the web UI) submits and watches jobs with. */
public final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRest(String baseUrl) {
        this.base = baseUrl;
    }

    /** {@code POST /jars/upload} (multipart, field {@code jarfile}); returns the jar id. */
    public String uploadJar(Path jar) throws IOException {
        String boundary = "hormesis-" + UUID.randomUUID();
        String head =
                "--"
                        + boundary
                        + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                        + jar.getFileName()
                        + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n";
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(base + "/jars/upload"))
                        .timeout(Duration.ofMinutes(3))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(
                                HttpRequest.BodyPublishers.concat(
                                        HttpRequest.BodyPublishers.ofString(head),
                                        HttpRequest.BodyPublishers.ofFile(jar),
                                        HttpRequest.BodyPublishers.ofString(
                                                "\r\n--" + boundary + "--\r\n")))
                        .build();
        JsonNode answer = send(request);
        String file = answer.path("filename").asText();
        if (!"success".equals(answer.path("status").asText()) || file.isEmpty()) {
            throw new IOException("jar upload failed: " + answer);
        }
        return Path.of(file).getFileName().toString();
    }

    /** {@code POST /jars/<id>/run}; returns the job id. */
    public String runJar(String jarId, String entryClass, List<String> args) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("entryClass", entryClass);
        ArrayNode list = body.putArray("programArgsList");
        args.forEach(list::add);
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(base + "/jars/" + jarId + "/run"))
                        .timeout(Duration.ofMinutes(2))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                        .build();
        JsonNode answer = send(request);
        String jobId = answer.path("jobid").asText();
        if (jobId.isEmpty()) {
            throw new IOException("jar run failed: " + answer);
        }
        return jobId;
    }

    public JsonNode get(String path) throws IOException {
        return send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(20))
                        .GET()
                        .build());
    }

    /** The job's state (RUNNING, RESTARTING, ...). */
    public String jobState(String jobId) throws IOException {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** Whether the job is RUNNING with every task RUNNING (not just scheduled). */
    public boolean fullyRunning(String jobId) throws IOException {
        JsonNode job = get("/jobs/" + jobId);
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode vertex : job.path("vertices")) {
            if (!"RUNNING".equals(vertex.path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    /** Trigger time (epoch ms) of the latest completed checkpoint, or -1. */
    public long latestCompletedCheckpointTrigger(String jobId) throws IOException {
        JsonNode completed =
                get("/jobs/" + jobId + "/checkpoints").path("latest").path("completed");
        return completed.isMissingNode() || completed.isNull()
                ? -1
                : completed.path("trigger_timestamp").asLong(-1);
    }

    /** The checkpoint statistics of {@code /jobs/<id>/checkpoints}. */
    public JsonNode checkpoints(String jobId) throws IOException {
        return get("/jobs/" + jobId + "/checkpoints");
    }

    /** The job's restart count (the {@code numRestarts} job metric). */
    public long numRestarts(String jobId) throws IOException {
        JsonNode metrics = get("/jobs/" + jobId + "/metrics?get=numRestarts");
        for (JsonNode m : metrics) {
            if ("numRestarts".equals(m.path("id").asText())) {
                return m.path("value").asLong();
            }
        }
        return -1;
    }

    /**
     * The sum, over every vertex and subtask of the job, of the operator metrics whose name ends
     * with {@code suffix} (for example RocksDB's {@code estimate-num-keys}, one per state), or -1
     * if the job has none.
     */
    public long sumOfOperatorMetrics(String jobId, String suffix) throws IOException {
        long sum = 0;
        boolean found = false;
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            String path = "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText();
            List<String> names = new ArrayList<>();
            for (JsonNode m : get(path + "/subtasks/metrics")) {
                String id = m.path("id").asText();
                if (id.endsWith(suffix)) {
                    names.add(URLEncoder.encode(id, StandardCharsets.UTF_8));
                }
            }
            if (names.isEmpty()) {
                continue;
            }
            for (JsonNode m :
                    get(path + "/subtasks/metrics?agg=sum&get=" + String.join(",", names))) {
                sum += Math.round(m.path("sum").asDouble());
                found = true;
            }
        }
        return found ? sum : -1;
    }

    /** The root exceptions of the job's failure history, newest first. */
    public List<String> exceptions(String jobId) throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode e :
                get("/jobs/" + jobId + "/exceptions").path("exceptionHistory").path("entries")) {
            out.add(
                    e.path("exceptionName").asText()
                            + ": "
                            + e.path("stacktrace").asText().lines().findFirst().orElse(""));
        }
        return out;
    }

    /** The innermost "Caused by" of the job's latest failure, or its first line; "none". */
    public String lastRootCause(String jobId) throws IOException {
        JsonNode entries =
                get("/jobs/" + jobId + "/exceptions").path("exceptionHistory").path("entries");
        if (entries.isEmpty()) {
            return "none";
        }
        String trace = entries.get(0).path("stacktrace").asText();
        return trace.lines()
                .filter(l -> l.startsWith("Caused by"))
                .reduce((a, b) -> b)
                .orElse(trace.lines().findFirst().orElse("none"))
                .strip();
    }

    private JsonNode send(HttpRequest request) throws IOException {
        try {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() / 100 != 2) {
                throw new IOException(
                        request.method()
                                + " "
                                + request.uri()
                                + " -> "
                                + response.statusCode()
                                + ": "
                                + response.body());
            }
            return JSON.readTree(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + request.uri(), e);
        }
    }
}
