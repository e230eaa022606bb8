package io.hormesis.jobs.testutils;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/** Reads Flink's Prometheus reporter the way Prometheus does: {@code GET /metrics} over HTTP. */
public final class PrometheusScrape {
    private PrometheusScrape() {}

    public static String get(int port) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(20))
                        .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The metric names of every sample in a text-format scrape. */
    public static Set<String> metricNames(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    /** The largest value of any sample named {@code name}, NaN when there is none. */
    public static double value(String scrape, String name) {
        double max = Double.NaN;
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                String[] parts = line.trim().split(" ");
                double v = Double.parseDouble(parts[parts.length - 1]);
                max = Double.isNaN(max) ? v : Math.max(max, v);
            }
        }
        return max;
    }
}
