package io.hormesis.jobs.sql;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LineageQueriesTest {

    @Test
    void everyFileInTheFolderIsBundledAndSaysWhatItAnswers() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/sql"))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .isEqualTo(LineageQueries.BUNDLED.stream().sorted().toList());
        }
        for (String name : LineageQueries.BUNDLED) {
            String header = LineageQueries.header(LineageQueries.bundled(name));
            assertThat(header).as(name).contains("?").hasSizeGreaterThan(80);
        }
    }

    @Test
    void parametersAreFilledDefaultedAndChecked() {
        String sql =
                "SELECT * FROM t WHERE d LIKE '${deployment:%}' AND at <= '${now}' AND x = '${x}'";
        assertThat(LineageQueries.parameters(sql).keySet())
                .containsExactly("deployment", "now", "x");
        Instant now = Instant.parse("2026-01-15T15:00:00Z");
        assertThat(LineageQueries.substitute(sql, Map.of("x", "it's"), now))
                .isEqualTo(
                        "SELECT * FROM t WHERE d LIKE '%' AND at <= '2026-01-15 15:00:00'"
                                + " AND x = 'it''s'");
        assertThat(LineageQueries.substitute(sql, Map.of("x", "1", "deployment", "chat-llm"), now))
                .contains("LIKE 'chat-llm'");
        assertThatThrownBy(() -> LineageQueries.substitute(sql, Map.of(), now))
                .hasMessageContaining("give --param NAME=VALUE for [x]");
        assertThatThrownBy(() -> LineageQueries.substitute(sql, Map.of("x", "1", "y", "2"), now))
                .hasMessageContaining("no parameter [y]");
    }

    @Test
    void aBundledQueryIsFoundByNameAndAMissingFileIsAClearError() throws IOException {
        assertThat(LineageQueries.load("why-rollback")).contains("ROLLBACK");
        assertThatThrownBy(() -> LineageQueries.load("no-such-query.sql"))
                .hasMessageContaining("no bundled query 'no-such-query.sql'");
        assertThat(List.of(LineageQueries.parameters(LineageQueries.bundled("why-rollback.sql"))))
                .first()
                .satisfies(p -> assertThat(p).containsKeys("deployment", "at"));
    }
}
