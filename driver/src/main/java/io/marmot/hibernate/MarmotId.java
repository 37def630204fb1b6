package io.marmot.hibernate;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import org.hibernate.annotations.IdGeneratorType;

/**
 * Hibernate (6.5 and later) generates this {@code Long} id with {@link MarmotIdGenerator}: the node's next
 * cluster-unique id, as {@code marmot_id()} gives it, so entities persisted on several nodes at once never share a key.
 *
 * <pre>{@code
 * @Entity
 * class Order {
 *     @Id @MarmotId
 *     private Long id;
 * }
 * }</pre>
 */
@IdGeneratorType(MarmotIdGenerator.class)
@Retention(RUNTIME)
@Target({FIELD, METHOD})
public @interface MarmotId {
}
