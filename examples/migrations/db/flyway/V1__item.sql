CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL);
INSERT INTO item (id, name, price) VALUES (1, 'apple', 100), (2, 'pear', 200), (3, 'plum', 300);
