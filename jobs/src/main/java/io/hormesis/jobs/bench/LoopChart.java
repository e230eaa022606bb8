package io.hormesis.jobs.bench;

import io.hormesis.jobs.sim.twin.TwinScenario;

import javax.imageio.ImageIO;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The PNG of {@code bench loop}, drawn with Java2D (headless): three panels over event time, the
 * offered load with the scenario's events, the replicas each policy provisioned, and each policy's
 * SLO-violation seconds per minute.
 */
final class LoopChart {
    private LoopChart() {}

    static final Color[] COLORS = {
        new Color(0x55, 0x55, 0x55), new Color(0xd6, 0x6a, 0x00), new Color(0x1f, 0x6f, 0xc8)
    };

    private static final int WIDTH = 1400;
    private static final int HEIGHT = 1090;
    private static final int LEFT = 90;
    private static final int RIGHT = 40;

    static void write(LoopBenchmark.Result r, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(
                RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        g.drawString(
                "bench loop: scenario "
                        + r.scenario()
                        + ", seed "
                        + r.seed()
                        + " ("
                        + r.trace()
                        + ")",
                LEFT,
                32);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        StringBuilder summary = new StringBuilder();
        for (LoopBenchmark.PolicyResult p : r.policies()) {
            summary.append(
                    String.format(
                            Locale.ROOT,
                            "%s: %d s over SLO, %.1f GPU-h, %d SCALE    ",
                            p.policy(),
                            p.sloViolationSeconds(),
                            p.gpuHours(),
                            p.scalingCommands()));
        }
        g.drawString(summary.toString().trim(), LEFT, 56);

        int n = r.load().length;
        double minutes = r.durationSeconds() / 60.0;
        int panelH = 270;
        int gap = 60;
        int top1 = 80;
        int top2 = top1 + panelH + gap;
        int top3 = top2 + panelH + gap;

        // Panel 1: load.
        double maxLoad = max(r.load()) * 1.1;
        axes(g, top1, panelH, minutes, maxLoad, "offered load (requests/s)");
        events(g, r, top1, panelH);
        series(g, r.load(), top1, panelH, maxLoad, new Color(0x2a, 0x9d, 0x3a), 2f, 10);
        legend(g, List.of("offered load"), new Color[] {new Color(0x2a, 0x9d, 0x3a)}, top1);
        eventLegend(g, top1 + panelH + 18);

        // Panel 2: replicas.
        double maxReplicas = 0;
        for (LoopBenchmark.PolicyResult p : r.policies()) {
            maxReplicas = Math.max(maxReplicas, max(p.replicas()));
        }
        maxReplicas *= 1.1;
        axes(g, top2, panelH, minutes, maxReplicas, "replicas provisioned (ready + warming)");
        events(g, r, top2, panelH);
        for (int i = 0; i < r.policies().size(); i++) {
            series(g, r.policies().get(i).replicas(), top2, panelH, maxReplicas, COLORS[i], 2f, 10);
        }
        legend(g, names(r), COLORS, top2);

        // Panel 3: violation seconds per minute.
        double maxViolations = 60;
        axes(g, top3, panelH, minutes, maxViolations, "SLO-violation seconds per minute");
        events(g, r, top3, panelH);
        for (int i = 0; i < r.policies().size(); i++) {
            double[] perMinute = perMinute(r.policies().get(i).violationsPerInterval());
            series(g, perMinute, top3, panelH, maxViolations, COLORS[i], 2f, 60);
        }
        legend(g, names(r), COLORS, top3);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        g.drawString("event time (minutes from start)", WIDTH / 2 - 110, top3 + panelH + 42);
        g.dispose();
        if (png.toAbsolutePath().getParent() != null) {
            Files.createDirectories(png.toAbsolutePath().getParent());
        }
        if (!ImageIO.write(image, "png", png.toFile())) {
            throw new IOException("no PNG writer available");
        }
        if (n == 0) {
            throw new IOException("nothing to chart");
        }
    }

    private static List<String> names(LoopBenchmark.Result r) {
        return r.policies().stream().map(LoopBenchmark.PolicyResult::policy).toList();
    }

    private static double[] perMinute(double[] per10s) {
        double[] out = new double[(per10s.length + 5) / 6];
        for (int i = 0; i < per10s.length; i++) {
            out[i / 6] += per10s[i];
        }
        return out;
    }

    private static double max(double[] xs) {
        double m = 1e-9;
        for (double x : xs) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static void axes(
            Graphics2D g, int top, int h, double minutes, double maxY, String title) {
        int w = WIDTH - LEFT - RIGHT;
        g.setColor(new Color(0xf6, 0xf6, 0xf6));
        g.fillRect(LEFT, top, w, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        double step = niceStep(maxY / 5);
        for (double y = 0; y <= maxY; y += step) {
            int py = top + h - (int) Math.round(y / maxY * h);
            g.setColor(new Color(0xdd, 0xdd, 0xdd));
            g.drawLine(LEFT, py, LEFT + w, py);
            g.setColor(Color.DARK_GRAY);
            String label = step >= 1 ? String.valueOf((long) y) : String.format("%.1f", y);
            g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), py + 5);
        }
        double xStep = niceStep(minutes / 12);
        for (double m = 0; m <= minutes + 1e-9; m += xStep) {
            int px = LEFT + (int) Math.round(m / minutes * w);
            g.setColor(new Color(0xdd, 0xdd, 0xdd));
            g.drawLine(px, top, px, top + h);
            g.setColor(Color.DARK_GRAY);
            String label = String.valueOf((long) m);
            g.drawString(label, px - g.getFontMetrics().stringWidth(label) / 2, top + h + 16);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, top, w, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, LEFT, top - 8);
    }

    private static void events(Graphics2D g, LoopBenchmark.Result r, int top, int h) {
        int w = WIDTH - LEFT - RIGHT;
        double d = r.durationSeconds();
        for (TwinScenario.Event e : r.events()) {
            int x = LEFT + (int) Math.round(e.atSecond() / d * w);
            if (e instanceof TwinScenario.Surge s) {
                int x2 = LEFT + (int) Math.round(s.endSecond() / d * w);
                g.setColor(new Color(255, 170, 60, 60));
                g.fillRect(x, top + 1, x2 - x, h - 1);
            } else if (e instanceof TwinScenario.Drift s) {
                int x2 = LEFT + (int) Math.round(s.endSecond() / d * w);
                g.setColor(new Color(60, 170, 170, 40));
                g.fillRect(x, top + 1, x2 - x, h - 1);
            } else {
                g.setColor(
                        e instanceof TwinScenario.BadDeploy ? Color.RED : new Color(0x80, 0, 0x80));
                g.setStroke(
                        new BasicStroke(
                                2f,
                                BasicStroke.CAP_BUTT,
                                BasicStroke.JOIN_MITER,
                                1f,
                                new float[] {6f, 4f},
                                0f));
                g.drawLine(x, top, x, top + h);
                g.setStroke(new BasicStroke(1f));
            }
        }
    }

    private static void eventLegend(Graphics2D g, int y) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int x = LEFT + 330;
        Object[][] items = {
            {new Color(255, 170, 60, 120), "surge"},
            {new Color(60, 170, 170, 100), "feature drift"},
            {Color.RED, "bad deploy"},
            {new Color(0x80, 0, 0x80), "replica crash"}
        };
        g.setColor(Color.DARK_GRAY);
        g.drawString("events:", x - 60, y + 10);
        for (Object[] item : items) {
            g.setColor((Color) item[0]);
            g.fillRect(x, y, 18, 12);
            g.setColor(Color.DARK_GRAY);
            g.drawString((String) item[1], x + 24, y + 11);
            x += 40 + g.getFontMetrics().stringWidth((String) item[1]);
        }
    }

    private static void series(
            Graphics2D g,
            double[] ys,
            int top,
            int h,
            double maxY,
            Color color,
            float width,
            int secondsPerPoint) {
        int w = WIDTH - LEFT - RIGHT;
        double total = (double) ys.length * secondsPerPoint;
        g.setColor(color);
        g.setStroke(new BasicStroke(width));
        int px = -1;
        int py = -1;
        for (int i = 0; i < ys.length; i++) {
            int x = LEFT + (int) Math.round((i + 0.5) * secondsPerPoint / total * w);
            int y = top + h - (int) Math.round(Math.min(ys[i], maxY) / maxY * h);
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            }
            px = x;
            py = y;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static void legend(Graphics2D g, List<String> names, Color[] colors, int top) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        int boxW =
                20
                        + names.stream()
                                .mapToInt(s -> g.getFontMetrics().stringWidth(s))
                                .max()
                                .orElse(0)
                        + 40;
        int x = WIDTH - RIGHT - boxW - 10;
        int y = top + 10;
        g.setColor(new Color(255, 255, 255, 230));
        g.fillRect(x, y, boxW, 22 * names.size() + 8);
        g.setColor(Color.GRAY);
        g.drawRect(x, y, boxW, 22 * names.size() + 8);
        for (int i = 0; i < names.size(); i++) {
            g.setColor(colors[i]);
            g.setStroke(new BasicStroke(3f));
            g.drawLine(x + 8, y + 16 + 22 * i, x + 36, y + 16 + 22 * i);
            g.setStroke(new BasicStroke(1f));
            g.setColor(Color.BLACK);
            g.drawString(names.get(i), x + 44, y + 21 + 22 * i);
        }
    }

    private static double niceStep(double raw) {
        if (!(raw > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / p;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return nice * p;
    }
}
