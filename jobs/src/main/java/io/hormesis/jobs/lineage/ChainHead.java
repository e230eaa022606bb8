package io.hormesis.jobs.lineage;

/** The last link of one hash chain: its seq and hash. A Flink POJO (no Kryo). */
public class ChainHead {
    private long seq;
    private String hash;

    public ChainHead() {}

    public ChainHead(long seq, String hash) {
        this.seq = seq;
        this.hash = hash;
    }

    public long getSeq() {
        return seq;
    }

    public void setSeq(long seq) {
        this.seq = seq;
    }

    public String getHash() {
        return hash;
    }

    public void setHash(String hash) {
        this.hash = hash;
    }
}
