package io.marmot.example;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Items on a replicated SQLite file: {@code POST /items?name=…} on one node, {@code GET /items} on any. The schema
 * comes from Flyway (src/main/resources/db/migration), run once for the cluster by the starter.
 */
@SpringBootApplication
@RestController
public class ExampleApplication {
    private final JdbcTemplate jdbc;

    public ExampleApplication(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public static void main(String[] args) {
        SpringApplication.run(ExampleApplication.class, args);
    }

    @GetMapping("/items")
    public List<Map<String, Object>> items() {
        return jdbc.queryForList("SELECT id, name, created_at FROM item ORDER BY created_at, id");
    }

    /** Keys made on several nodes must not collide: a random UUID rather than an auto-increment. */
    @PostMapping("/items")
    public Map<String, Object> add(@RequestParam String name) {
        String id = UUID.randomUUID().toString();
        jdbc.update("INSERT INTO item (id, name) VALUES (?, ?)", id, name);
        return Map.of("id", id, "name", name);
    }

    /** A seed: runs after this node caught up with the cluster, so it finds a row another node seeded. */
    @Bean
    CommandLineRunner seed() {
        return args -> jdbc.update("INSERT INTO item (id, name) SELECT 'welcome', 'first item'"
                + " WHERE NOT EXISTS (SELECT 1 FROM item WHERE id = 'welcome')");
    }
}
