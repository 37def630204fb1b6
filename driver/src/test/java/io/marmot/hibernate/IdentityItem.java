package io.marmot.hibernate;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The same entity keyed as JPA guides teach: IDENTITY, that is SQLite's rowid, which each node picks alone. */
@Entity
@Table(name = "identity_items")
class IdentityItem {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    Long id;
    int node;
    int n;

    IdentityItem() {
    }

    IdentityItem(int node, int n) {
        this.node = node;
        this.n = n;
    }
}
