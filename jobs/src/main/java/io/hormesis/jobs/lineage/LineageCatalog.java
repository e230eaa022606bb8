package io.hormesis.jobs.lineage;

import org.apache.flink.configuration.Configuration;

import io.hormesis.jobs.config.HormesisOptions;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.flink.CatalogLoader;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Where the lineage tables live: the Iceberg catalog named by configuration ({@code
 * iceberg.catalog-type} hadoop, jdbc or rest). The jobs and the SQL session use the same catalog
 * name: Iceberg's JdbcCatalog stores tables under the catalog's name, so the {@link CatalogLoader}
 * name must equal the SQL {@code CREATE CATALOG} name or SQL sees no tables.
 */
public final class LineageCatalog {
    private LineageCatalog() {}

    public static final String NAMESPACE = "lineage";

    static final String JDBC_CATALOG_IMPL = "org.apache.iceberg.jdbc.JdbcCatalog";

    /** The warehouse as a URI; a plain path is made absolute so every process agrees on it. */
    public static String warehouseUri(Configuration config) {
        String warehouse = config.get(HormesisOptions.WAREHOUSE);
        URI uri = URI.create(warehouse.replace(" ", "%20"));
        if (uri.getScheme() != null && uri.getScheme().length() > 1) {
            return warehouse;
        }
        return Path.of(warehouse).toAbsolutePath().normalize().toUri().toString();
    }

    /** The Iceberg catalog properties (without the catalog type). */
    static Map<String, String> properties(Configuration config) {
        Map<String, String> props = new LinkedHashMap<>();
        String type = config.get(HormesisOptions.CATALOG_TYPE);
        if (!type.equals("rest") || config.contains(HormesisOptions.WAREHOUSE)) {
            props.put(CatalogProperties.WAREHOUSE_LOCATION, warehouseUri(config));
        }
        config.getOptional(HormesisOptions.CATALOG_URI)
                .ifPresent(uri -> props.put(CatalogProperties.URI, uri));
        if (type.equals("jdbc")) {
            // The current JDBC catalog schema (with views); Iceberg warns on every load without it.
            props.put("jdbc.schema-version", "V1");
        }
        props.putAll(config.get(HormesisOptions.CATALOG_PROPERTIES));
        // One setting per property (iceberg.property.KEY=VALUE), in key order; these win.
        new TreeMap<>(config.toMap())
                .forEach(
                        (key, value) -> {
                            if (key.startsWith(HormesisOptions.CATALOG_PROPERTY_PREFIX)) {
                                props.put(
                                        key.substring(
                                                HormesisOptions.CATALOG_PROPERTY_PREFIX.length()),
                                        value);
                            }
                        });
        return props;
    }

    public static CatalogLoader loader(Configuration config) {
        String name = config.get(HormesisOptions.CATALOG_NAME);
        org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
        return switch (config.get(HormesisOptions.CATALOG_TYPE)) {
            case "jdbc" ->
                    CatalogLoader.custom(name, properties(config), hadoop, JDBC_CATALOG_IMPL);
            case "rest" -> CatalogLoader.rest(name, hadoop, properties(config));
            default -> CatalogLoader.hadoop(name, hadoop, properties(config));
        };
    }

    /** A one-line description of the catalog, for logs and the CLI. */
    public static String describe(Configuration config) {
        String type = config.get(HormesisOptions.CATALOG_TYPE);
        return type
                + " catalog '"
                + config.get(HormesisOptions.CATALOG_NAME)
                + "' at "
                + config.getOptional(HormesisOptions.CATALOG_URI).orElse(warehouseUri(config));
    }

    /** The Flink SQL statement that registers the same catalog under the same name. */
    public static String createCatalogSql(Configuration config) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("type", "iceberg");
        switch (config.get(HormesisOptions.CATALOG_TYPE)) {
            case "jdbc" -> props.put("catalog-impl", JDBC_CATALOG_IMPL);
            case "rest" -> props.put("catalog-type", "rest");
            default -> props.put("catalog-type", "hadoop");
        }
        props.putAll(properties(config));
        return String.format(
                "CREATE CATALOG `%s` WITH (%s)",
                config.get(HormesisOptions.CATALOG_NAME),
                props.entrySet().stream()
                        .map(e -> quote(e.getKey()) + "=" + quote(e.getValue()))
                        .collect(Collectors.joining(", ")));
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
