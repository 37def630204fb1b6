package io.marmot.hibernate;

import io.marmot.engine.MarmotEngine;
import io.marmot.jdbc.MarmotConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import org.hibernate.MappingException;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.id.IdentifierGenerationException;
import org.hibernate.id.IdentifierGenerator;
import org.hibernate.service.ServiceRegistry;
import org.hibernate.type.Type;

/**
 * A Hibernate identifier generator giving each new entity this node's next cluster-unique id
 * ({@code io.marmot.clock.ClusterId},
 * the value of {@code marmot_id()}), in Java, before the insert: no statement is run for it and inserts can be
 * batched. The node is the one whose engine serves the session's connection, which must come from the
 * {@code jdbc:marmot:sqlite:} driver (a pool's proxy is unwrapped). Name it with {@link MarmotId}, or
 * {@code @GenericGenerator(name = "marmot", type = MarmotIdGenerator.class)} and {@code @GeneratedValue(generator =
 * "marmot")}. Hibernate is not a dependency of the driver: only applications that use this class need it.
 */
public class MarmotIdGenerator implements IdentifierGenerator {
    /** For {@code @GenericGenerator} and {@link MarmotId}: Hibernate creates it through this constructor. */
    public MarmotIdGenerator() {
    }

    /** Ids are 64-bit integers: an id attribute of another type is refused when the mapping is built. */
    @Override
    public void configure(Type type, Properties parameters, ServiceRegistry serviceRegistry) {
        Class<?> javaType = type.getReturnedClass();
        if (javaType != Long.class && javaType != long.class) {
            throw new MappingException("MarmotIdGenerator generates 64-bit ids: the id of "
                    + parameters.getProperty(ENTITY_NAME, "the entity") + " must be a Long or long, not "
                    + javaType.getName());
        }
    }

    @Override
    public Object generate(SharedSessionContractImplementor session, Object owner) {
        Connection c = session.getJdbcCoordinator().getLogicalConnection().getPhysicalConnection();
        try {
            if (!c.isWrapperFor(MarmotConnection.class)) {
                throw new IdentifierGenerationException("MarmotIdGenerator needs a jdbc:marmot:sqlite: connection; this"
                        + " session's is " + c.getMetaData().getURL());
            }
            MarmotEngine engine = c.unwrap(MarmotConnection.class).engine();
            if (engine == null) {
                throw new IdentifierGenerationException("MarmotIdGenerator: no marmot engine runs for "
                        + c.getMetaData().getURL() + " (a read-only connection?)");
            }
            return engine.nextId();
        } catch (SQLException e) {
            throw new IdentifierGenerationException("MarmotIdGenerator could not reach the session's connection: "
                    + e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IdentifierGenerationException(e.getMessage(), e);
        }
    }
}
