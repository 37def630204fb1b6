package io.marmot.spring;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Makes {@code spring.datasource.url=jdbc:marmot:sqlite:…} enough: Boot finds a driver class only for URL prefixes
 * it knows and otherwise fails with "Failed to determine a suitable driver class", so when the URL is marmot's and
 * no driver class is set, this sets {@code spring.datasource.driver-class-name} to the marmot driver. Added last:
 * anything the application sets wins.
 */
public final class MarmotDriverClassName implements EnvironmentPostProcessor {
    static final String URL = "spring.datasource.url";
    static final String DRIVER = "spring.datasource.driver-class-name";
    static final String MARMOT_DRIVER = "io.marmot.jdbc.MarmotDriver";
    private static final String PREFIX = "jdbc:marmot:";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String url = environment.getProperty(URL);
        if (url != null && url.startsWith(PREFIX) && !environment.containsProperty(DRIVER)) {
            environment.getPropertySources().addLast(new MapPropertySource("marmotDriverClassName",
                    Map.of(DRIVER, MARMOT_DRIVER)));
        }
    }
}
