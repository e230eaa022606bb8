package io.hormesis.jobs.lineage;

/**
 * One record on its way to a lineage table: which table, which chain, and the record itself in
 * single-object Avro encoding. A Flink POJO (no Kryo).
 */
public class LineageEntry {
    private String table;
    private String chain;
    private byte[] avro;

    public LineageEntry() {}

    public LineageEntry(String table, String chain, byte[] avro) {
        this.table = table;
        this.chain = chain;
        this.avro = avro;
    }

    public String getTable() {
        return table;
    }

    public void setTable(String table) {
        this.table = table;
    }

    public String getChain() {
        return chain;
    }

    public void setChain(String chain) {
        this.chain = chain;
    }

    public byte[] getAvro() {
        return avro;
    }

    public void setAvro(byte[] avro) {
        this.avro = avro;
    }

    @Override
    public String toString() {
        return table + "/" + chain;
    }
}
