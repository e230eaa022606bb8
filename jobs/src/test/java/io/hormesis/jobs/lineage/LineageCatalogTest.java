package io.hormesis.jobs.lineage;

import org.apache.flink.configuration.Configuration;

import io.hormesis.jobs.config.HormesisOptions;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/** The catalog properties the jobs hand Iceberg, from settings as a user writes them. */
class LineageCatalogTest {
    @Test
    void aRestCatalogOnMinioTakesUrlPropertiesAsSettingsOfTheirOwn() {
        // The settings README.md gives for docker-compose: a URL value (with ':') is a setting of
        // its own under iceberg.property., and such settings override the map's entries.
        Configuration config =
                HormesisOptions.fromSettings(
                        Map.of(
                                "kafka.bootstrap-servers", "kafka:9092",
                                "iceberg.catalog-type", "rest",
                                "iceberg.catalog-uri", "http://iceberg-rest:8181",
                                "iceberg.catalog-properties",
                                        "io-impl:org.apache.iceberg.aws.s3.S3FileIO,"
                                                + "s3.path-style-access:false",
                                "iceberg.property.s3.endpoint", "http://minio:9000",
                                "iceberg.property.s3.path-style-access", "true"));
        assertThat(LineageCatalog.properties(config))
                .containsOnly(
                        entry("uri", "http://iceberg-rest:8181"),
                        entry("io-impl", "org.apache.iceberg.aws.s3.S3FileIO"),
                        entry("s3.path-style-access", "true"),
                        entry("s3.endpoint", "http://minio:9000"));
        assertThat(LineageCatalog.createCatalogSql(config))
                .startsWith(
                        "CREATE CATALOG `hormesis` WITH ('type'='iceberg', 'catalog-type'='rest'")
                .contains("'s3.endpoint'='http://minio:9000'");
    }

    @Test
    void aPropertyPrefixWithoutANameIsAnError() {
        assertThatThrownBy(
                        () ->
                                HormesisOptions.fromSettings(
                                        Map.of(
                                                "kafka.bootstrap-servers", "k:9092",
                                                "iceberg.property.", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names no catalog property");
    }

    @Test
    void aHadoopCatalogGetsItsWarehouseAsAnAbsoluteUri() {
        Configuration config =
                HormesisOptions.fromSettings(
                        Map.of(
                                "kafka.bootstrap-servers", "kafka:9092",
                                "iceberg.warehouse", "target/some warehouse"));
        assertThat(LineageCatalog.properties(config).get("warehouse"))
                .startsWith("file:/")
                .endsWith("/target/some%20warehouse");
    }
}
