--liquibase formatted sql

--changeset marmot:1
CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL);
INSERT INTO item (id, name, price) VALUES (1, 'apple', 100), (2, 'pear', 200), (3, 'plum', 300);

--changeset marmot:2
UPDATE item SET price = price + 10;
ALTER TABLE item ADD COLUMN stock INTEGER NOT NULL DEFAULT 5;

--changeset marmot:3
CREATE TABLE orders (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, qty INTEGER NOT NULL);
INSERT INTO orders (id, item_id, qty) SELECT id, id, stock FROM item;
