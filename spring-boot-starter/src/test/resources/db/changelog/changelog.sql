--liquibase formatted sql

--changeset marmot:1
CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE migration_run (id TEXT PRIMARY KEY, migration TEXT NOT NULL);

--changeset marmot:2
INSERT INTO item (id, name) VALUES (1, 'apple'), (2, 'pear'), (3, 'plum');
INSERT INTO migration_run (id, migration) VALUES (lower(hex(randomblob(8))), '2');

--changeset marmot:3
ALTER TABLE item ADD COLUMN price INTEGER NOT NULL DEFAULT 0;
UPDATE item SET price = id * 10;
INSERT INTO migration_run (id, migration) VALUES (lower(hex(randomblob(8))), '3');
