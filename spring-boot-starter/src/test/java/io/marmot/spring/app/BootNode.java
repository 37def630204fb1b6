package io.marmot.spring.app;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.TreeSet;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A Boot application as a user writes one, configured only by {@code spring.datasource.url=jdbc:marmot:sqlite:…}
 * (given on the command line) with Flyway or Liquibase, JdbcTemplate, Actuator and Prometheus. A
 * {@code CommandLineRunner} seeds a row (after catch-up, so the second node finds the first's) and prints
 * {@code ready}; then it answers on stdin: {@code health} (the {@code marmot} component), {@code meters} (the
 * {@code marmot_*} Prometheus series), {@code sql <statement>}, {@code quit}.
 */
@SpringBootApplication
public class BootNode {
    public static void main(String[] args) throws Exception {
        try (ConfigurableApplicationContext context = SpringApplication.run(BootNode.class, args)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
                System.out.println(answer(context, line));
            }
        }
    }

    private static String answer(ConfigurableApplicationContext context, String command) {
        if (command.equals("health")) {
            org.springframework.boot.actuate.health.Health h = context.getBean("marmotHealthContributor",
                    HealthIndicator.class).health();
            return "health " + h.getStatus() + " " + h.getDetails();
        }
        if (command.equals("meters")) {
            TreeSet<String> series = new TreeSet<>();
            for (String l : context.getBean(PrometheusMeterRegistry.class).scrape().split("\n")) {
                if (l.startsWith("marmot_")) {
                    series.add(l.substring(0, l.lastIndexOf(' ')));
                }
            }
            return "meters " + String.join(";", series);
        }
        if (command.startsWith("sql ")) {
            context.getBean(JdbcTemplate.class).execute(command.substring(4));
            return "ok";
        }
        return "unknown command: " + command;
    }

    /**
     * What an application reads as soon as it has a DataSource (a cache warmed at start-up): prints {@code warm <n>},
     * the rows of {@code item} then (-1: no such table yet).
     */
    @Bean
    Object warmCache(JdbcTemplate jdbc) {
        Integer tables = jdbc.queryForObject("SELECT count(*) FROM sqlite_master WHERE name = 'item'", Integer.class);
        System.out.println("warm " + (tables == 0 ? -1 : jdbc.queryForObject("SELECT count(*) FROM item", Integer.class)));
        return new Object();
    }

    /**
     * The seed a node writes at start-up: one fixed row named {@code seed.name}, written only when the cluster does
     * not have it yet (a later write by another node would replace the first's name). Two nodes started together
     * both find none; one's row may arrive between the other's look and its insert, which then writes nothing.
     */
    @Bean
    CommandLineRunner seed(JdbcTemplate jdbc, @Value("${seed.name:seed}") String name) {
        return args -> {
            Integer seeded = jdbc.queryForObject("SELECT count(*) FROM item WHERE id = 100", Integer.class);
            if (seeded == 0) {
                jdbc.update("INSERT OR IGNORE INTO item (id, name, price) VALUES (100, ?, 1)", name);
            }
            System.out.println("ready");
        };
    }
}
