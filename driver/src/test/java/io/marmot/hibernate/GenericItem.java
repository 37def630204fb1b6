package io.marmot.hibernate;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.GenericGenerator;

/** The generator named the older way, by {@code @GenericGenerator} (deprecated in Hibernate 6.5, still common). */
@Entity
@Table(name = "generic_items")
class GenericItem {
    @Id
    @GeneratedValue(generator = "marmot")
    @GenericGenerator(name = "marmot", type = MarmotIdGenerator.class)
    long id;
    String name;

    GenericItem() {
    }

    GenericItem(String name) {
        this.name = name;
    }
}
