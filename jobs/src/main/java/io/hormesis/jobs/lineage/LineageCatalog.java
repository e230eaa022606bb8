package io.hormesis.jobs.lineage;

import org.apache.flink.configuration.Configuration;

import io.hormesis.jobs.config.HormesisOptions;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.flink.CatalogLoader;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** Where the lineage tables live: the Iceberg catalog named by configuration. */
public final class LineageCatalog {
    private LineageCatalog() {}

    public static final String NAMESPACE = "lineage";

    /** The warehouse as a URI; a plain path is made absolute so every process agrees on it. */
    public static String warehouseUri(Configuration config) {
        String warehouse = config.get(HormesisOptions.WAREHOUSE);
        URI uri = URI.create(warehouse.replace(" ", "%20"));
        if (uri.getScheme() != null && uri.getScheme().length() > 1) {
            return warehouse;
        }
        return Path.of(warehouse).toAbsolutePath().normalize().toUri().toString();
    }

    public static CatalogLoader loader(Configuration config) {
        return CatalogLoader.hadoop(
                config.get(HormesisOptions.CATALOG_NAME),
                new org.apache.hadoop.conf.Configuration(),
                Map.of(CatalogProperties.WAREHOUSE_LOCATION, warehouseUri(config)));
    }

    /** The Flink SQL statement that registers the same catalog. */
    public static String createCatalogSql(Configuration config) {
        return String.format(
                "CREATE CATALOG `%s` WITH ('type'='iceberg', 'catalog-type'='hadoop',"
                        + " 'warehouse'='%s')",
                config.get(HormesisOptions.CATALOG_NAME), warehouseUri(config).replace("'", "''"));
    }
}
