package io.marmot.hibernate;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An entity keyed by the driver's generator. */
@Entity
@Table(name = "items")
class Item {
    @Id
    @MarmotId
    Long id;
    int node;
    int n;

    Item() {
    }

    Item(int node, int n) {
        this.node = node;
        this.n = n;
    }
}
