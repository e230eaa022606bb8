package io.hormesis.jobs.sql;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.internal.TableResultImpl;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

import io.hormesis.jobs.config.HormesisOptions;
import io.hormesis.jobs.lineage.LineageCatalog;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Flink SQL in batch mode over the lineage warehouse, with the Iceberg catalog registered and
 * {@code lineage} as the current database, so {@code SELECT * FROM commands} just works, and the
 * statistics functions of {@link SqlSketches} registered.
 */
public final class LineageSql implements AutoCloseable {
    private static final String MAX_COLUMN_WIDTH = "table.display.max-column-width";

    private final TableEnvironment tableEnv;

    public LineageSql(Configuration config) {
        Configuration flink = new Configuration();
        flink.setString(MAX_COLUMN_WIDTH, "30");
        // Timestamps print, and TIMESTAMP literals compare, in UTC unless --set says otherwise.
        flink.setString("table.local-time-zone", "UTC");
        // Any table.* setting given on the command line (--set) wins.
        config.toMap()
                .forEach(
                        (key, value) -> {
                            if (key.startsWith("table.")) {
                                flink.setString(key, value);
                            }
                        });
        tableEnv =
                TableEnvironment.create(
                        EnvironmentSettings.newInstance()
                                .inBatchMode()
                                .withConfiguration(flink)
                                .build());
        SqlSketches.register(tableEnv);
        tableEnv.executeSql(LineageCatalog.createCatalogSql(config));
        tableEnv.useCatalog(config.get(HormesisOptions.CATALOG_NAME));
        tableEnv.useDatabase(LineageCatalog.NAMESPACE);
    }

    public TableResult execute(String sql) {
        return tableEnv.executeSql(sql);
    }

    /**
     * Runs a statement and prints its result as Flink's {@code TableResult.print()} does, but to
     * {@code out} instead of {@code System.out}.
     */
    public void print(String sql, PrintStream out) {
        TableResult result = tableEnv.executeSql(sql);
        if (!(result instanceof TableResultImpl impl)) {
            result.print();
            return;
        }
        PrintWriter writer = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        try (CloseableIterator<RowData> rows = impl.collectInternal()) {
            impl.getPrintStyle().print(rows, writer);
        } catch (Exception e) {
            throw new IllegalStateException("printing the result failed: " + e.getMessage(), e);
        } finally {
            writer.flush();
        }
    }

    /** Runs a query and collects its rows. */
    public List<Row> query(String sql) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = tableEnv.executeSql(sql).collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    @Override
    public void close() {
        // The table environment holds no resources between statements.
    }
}
