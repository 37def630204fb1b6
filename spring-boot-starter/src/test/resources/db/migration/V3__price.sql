-- A column NOT NULL filled by the migration: outside the cluster lock, a peer's rows would park on it.
ALTER TABLE item ADD COLUMN price INTEGER NOT NULL DEFAULT 0;
UPDATE item SET price = id * 10;
INSERT INTO migration_run (id, migration) VALUES (lower(hex(randomblob(8))), 'V3');
