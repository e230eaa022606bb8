package io.hormesis.jobs.lineage;

import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.io.CloseableIterable;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Recomputes every hash chain from the lineage tables as they are now and reports each row that was
 * altered, removed, duplicated or reordered. Rows are grouped by chain and sorted by seq; a chain
 * must run 1, 2, 3, ... with each row's hash equal to SHA-256 of its prev_hash and content and each
 * prev_hash equal to the hash before it. The newest rows of a chain, removed together, leave no
 * gap: checking the tail needs the chain head, which the LINEAGE job holds in its state.
 */
public final class LineageVerifier {
    private LineageVerifier() {}

    /** What is wrong with a row. */
    public enum Problem {
        /** The row's content does not hash to its stored hash: a column, seq or chain changed. */
        ALTERED,
        /** No row of any table has this seq of the chain. */
        REMOVED,
        /** Another row of the chain already has this seq. */
        DUPLICATE,
        /** The row is intact but its prev_hash is not the hash of the row before it. */
        BROKEN_LINK
    }

    /** One finding; table is null for a removed row (it could have been in any table). */
    public record Finding(String chain, String table, long seq, Problem problem, String detail) {}

    /** The verdict over all chains. */
    public record Report(int tables, long rows, int chains, List<Finding> findings) {
        public boolean intact() {
            return findings.isEmpty();
        }
    }

    private record Row(
            LineageTables table, long seq, String prevHash, String hash, String computed) {}

    public static Report verify(CatalogLoader loader) throws IOException {
        Catalog catalog = loader.loadCatalog();
        try {
            return verify(catalog);
        } finally {
            if (catalog instanceof Closeable closeable) {
                closeable.close();
            }
        }
    }

    public static Report verify(Catalog catalog) throws IOException {
        Map<String, List<Row>> chains = new TreeMap<>();
        int tables = 0;
        long rows = 0;
        for (LineageTables table : LineageTables.values()) {
            if (!catalog.tableExists(table.identifier())) {
                continue;
            }
            tables++;
            Table loaded = catalog.loadTable(table.identifier());
            try (CloseableIterable<Record> records = IcebergGenerics.read(loaded).build()) {
                for (Record record : records) {
                    rows++;
                    String chain = (String) record.getField(LineageTables.CHAIN).toString();
                    long seq = (Long) record.getField(LineageTables.SEQ);
                    String prev = record.getField(LineageTables.PREV_HASH).toString();
                    String hash = record.getField(LineageTables.HASH).toString();
                    String computed =
                            LineageChain.hash(
                                    prev, table, chain, seq, LineageRows.values(table, record));
                    chains.computeIfAbsent(chain, c -> new ArrayList<>())
                            .add(new Row(table, seq, prev, hash, computed));
                }
            }
        }
        List<Finding> findings = new ArrayList<>();
        for (Map.Entry<String, List<Row>> chain : chains.entrySet()) {
            check(chain.getKey(), chain.getValue(), findings);
        }
        return new Report(tables, rows, chains.size(), findings);
    }

    private static void check(String chain, List<Row> rows, List<Finding> findings) {
        rows.sort(Comparator.comparingLong(Row::seq));
        long expected = 1;
        String prevHash = LineageChain.GENESIS;
        boolean afterGap = false;
        for (Row row : rows) {
            String table = row.table().tableName();
            if (row.seq() < expected) {
                findings.add(
                        new Finding(
                                chain,
                                table,
                                row.seq(),
                                Problem.DUPLICATE,
                                "a second row with seq " + row.seq()));
                continue;
            }
            for (long missing = expected; missing < row.seq(); missing++) {
                findings.add(
                        new Finding(chain, null, missing, Problem.REMOVED, "no row in any table"));
                afterGap = true;
            }
            if (!row.computed().equals(row.hash())) {
                findings.add(
                        new Finding(
                                chain,
                                table,
                                row.seq(),
                                Problem.ALTERED,
                                "content hashes to "
                                        + abbreviate(row.computed())
                                        + ", stored hash "
                                        + abbreviate(row.hash())));
            } else if (!afterGap && !row.prevHash().equals(prevHash)) {
                findings.add(
                        new Finding(
                                chain,
                                table,
                                row.seq(),
                                Problem.BROKEN_LINK,
                                "prev_hash "
                                        + abbreviate(row.prevHash())
                                        + " is not the hash of seq "
                                        + (row.seq() - 1)
                                        + " ("
                                        + abbreviate(prevHash)
                                        + "): rows reordered or re-chained"));
            }
            afterGap = false;
            prevHash = row.hash();
            expected = row.seq() + 1;
        }
    }

    private static String abbreviate(String hash) {
        return hash.length() > 12 ? hash.substring(0, 12) + "…" : hash;
    }
}
