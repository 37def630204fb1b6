-- A data migration: its rows must exist once for the cluster. Each run leaves a row of its own in migration_run
-- (a random key: runs on two nodes would both be kept), so the test counts how often it ran.
INSERT INTO item (id, name) VALUES (1, 'apple'), (2, 'pear'), (3, 'plum');
INSERT INTO migration_run (id, migration) VALUES (lower(hex(randomblob(8))), 'V2');
