package io.marmot.hibernate;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;

/** An id too small for the generator's 64-bit ids: refused when the mapping is built. */
@Entity
class IntItem {
    @Id
    @MarmotId
    Integer id;
}
