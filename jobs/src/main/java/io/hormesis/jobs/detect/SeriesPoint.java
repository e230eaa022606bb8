package io.hormesis.jobs.detect;

/** One row of one series: which file, which line, and the row's text. A Flink POJO. */
public class SeriesPoint {
    private String series;
    private long line;
    private String text;

    public SeriesPoint() {}

    public SeriesPoint(String series, long line, String text) {
        this.series = series;
        this.line = line;
        this.text = text;
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
}
