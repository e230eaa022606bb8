package io.hormesis.jobs.detect;

/** A row of a series with its anomaly score. A Flink POJO. */
public class ScoredPoint {
    private String series;
    private long line;
    private String text;
    private double score;
    private boolean parsed;

    public ScoredPoint() {}

    public ScoredPoint(String series, long line, String text, double score, boolean parsed) {
        this.series = series;
        this.line = line;
        this.text = text;
        this.score = score;
        this.parsed = parsed;
    }

    public String getSeries() {
        return series;
    }

    public void setSeries(String series) {
        this.series = series;
    }

    public long getLine() {
        return line;
    }

    public void setLine(long line) {
        this.line = line;
    }

    public String getText() {
        return text;
    }

    public void setText(String text) {
        this.text = text;
    }

    public double getScore() {
        return score;
    }

    public void setScore(double score) {
        this.score = score;
    }

    public boolean isParsed() {
        return parsed;
    }

    public void setParsed(boolean parsed) {
        this.parsed = parsed;
    }
}
