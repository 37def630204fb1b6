package io.marmot.spring;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.file.Path;

/**
 * Micrometer meters for every figure of a node's {@code stats()} and {@code snapshotStats()} (see {@link MarmotFigures}),
 * tagged {@code database} (the file) and {@code node} (its node id); also {@code marmot.up} and
 * {@code marmot.conflicts} by {@code kind}. Plain Micrometer, usable without Spring:
 *
 * <pre>{@code
 * try (Connection c = DriverManager.getConnection("jdbc:marmot:sqlite:/data/app.db?…")) { // starts the engine
 *     new MarmotMetrics(Path.of("/data/app.db")).bindTo(registry);
 * }
 * }</pre>
 *
 * The engine must run when binding (its node id tags the meters); later the meters follow whatever engine runs for
 * the file, and read NaN while none does.
 */
public final class MarmotMetrics implements MeterBinder {
    private final MarmotReadings readings;

    public MarmotMetrics(Path database) {
        this.readings = new MarmotReadings(database);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags tags = Tags.of("database", readings.database().toString(), "node", Long.toString(readings.nodeId()));
        Gauge.builder("marmot.up", readings, r -> r.engine().isPresent() ? 1 : 0)
                .description("1 while the replication engine runs.").tags(tags).register(registry);
        for (MarmotFigure figure : MarmotFigures.ALL) {
            if (figure.counter()) {
                FunctionCounter.builder(figure.name(), readings, r -> r.value(figure))
                        .description(figure.description()).tags(tags).register(registry);
            } else {
                Gauge.builder(figure.name(), readings, r -> r.value(figure))
                        .description(figure.description()).tags(tags).register(registry);
            }
        }
        readings.now().ifPresent(first -> first.stats().conflicts().keySet().forEach(kind ->
                FunctionCounter.builder("marmot.conflicts", readings, r -> r.now()
                                .map(x -> (double) x.stats().conflicts().getOrDefault(kind, 0L)).orElse(Double.NaN))
                        .description("Writes that lost to another node's write (kept in __marmot_conflicts), by kind.")
                        .tags(tags.and("kind", kind)).register(registry)));
    }
}
