package io.hormesis.jobs.sql;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SQL query files shipped in {@code jobs/src/main/resources/sql/}, and parameters in any query
 * file: {@code ${name}} is replaced by the value of {@code --param name=value}, {@code
 * ${name:default}} falls back to its default, and {@code ${now}} defaults to the current UTC time
 * ({@code yyyy-MM-dd HH:mm:ss}). A file starts with {@code --} comment lines saying what question
 * it answers.
 */
public final class LineageQueries {
    private LineageQueries() {}

    /** The bundled query files, by name. */
    public static final List<String> BUNDLED =
            List.of(
                    "why-rollback.sql",
                    "live-version-training-data.sql",
                    "commands-last-hour.sql",
                    "headroom-evolution.sql");

    private static final Pattern PARAM =
            Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?}");

    private static final DateTimeFormatter NOW =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    /**
     * The text of a query file: a path, or else the name of a bundled query ({@code why-rollback}
     * or {@code why-rollback.sql}).
     */
    public static String load(String file) throws IOException {
        Path path = Path.of(file);
        if (Files.isRegularFile(path)) {
            return Files.readString(path, StandardCharsets.UTF_8);
        }
        String name = file.endsWith(".sql") ? file : file + ".sql";
        if (BUNDLED.contains(name)) {
            return bundled(name);
        }
        throw new IllegalArgumentException(
                "no query file " + path.toAbsolutePath() + " and no bundled query '" + file + "'");
    }

    /** A bundled query's text. */
    public static String bundled(String name) throws IOException {
        try (InputStream in = LineageQueries.class.getResourceAsStream("/sql/" + name)) {
            if (in == null) {
                throw new IllegalStateException("bundled query sql/" + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The leading comment of a query: what question it answers. */
    public static String header(String sql) {
        StringBuilder header = new StringBuilder();
        for (String line : sql.split("\n", -1)) {
            String trimmed = line.strip();
            if (!trimmed.startsWith("--")) {
                break;
            }
            header.append(trimmed.substring(2).strip()).append('\n');
        }
        return header.toString().strip();
    }

    /** The parameters a query takes, in order of first use, with their defaults (or null). */
    public static Map<String, String> parameters(String sql) {
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(sql);
        while (m.find()) {
            params.putIfAbsent(m.group(1), m.group(2));
        }
        return params;
    }

    /**
     * Replaces every {@code ${name}}; values are put inside SQL string literals by the files, so a
     * quote in a value is doubled.
     *
     * @throws IllegalArgumentException naming a parameter without a value, or a given one the query
     *     does not take
     */
    public static String substitute(String sql, Map<String, String> values, Instant now) {
        Map<String, String> declared = parameters(sql);
        Set<String> unknown = new LinkedHashSet<>(values.keySet());
        unknown.removeAll(declared.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    "the query takes no parameter "
                            + unknown
                            + "; its parameters: "
                            + describe(declared));
        }
        List<String> missing = new ArrayList<>();
        Matcher m = PARAM.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = values.get(name);
            if (value == null) {
                value = m.group(2);
            }
            if (value == null && name.equals("now")) {
                value = NOW.format(now);
            }
            if (value == null) {
                missing.add(name);
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value.replace("'", "''")));
        }
        m.appendTail(out);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(
                    "give --param NAME=VALUE for "
                            + new LinkedHashSet<>(missing)
                            + "; the query's parameters: "
                            + describe(declared));
        }
        return out.toString();
    }

    private static String describe(Map<String, String> declared) {
        if (declared.isEmpty()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        declared.forEach(
                (name, def) ->
                        parts.add(
                                name
                                        + (def != null
                                                ? " (default " + def + ")"
                                                : name.equals("now")
                                                        ? " (default: now, UTC)"
                                                        : "")));
        return String.join(", ", parts);
    }
}
