CREATE TABLE orders (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES item (id), qty INTEGER NOT NULL);
INSERT INTO orders (id, item_id, qty) SELECT id, id, stock FROM item;
UPDATE item SET stock = stock - 1;
