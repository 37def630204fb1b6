UPDATE item SET price = price + 10;
ALTER TABLE item ADD COLUMN stock INTEGER NOT NULL DEFAULT 5;
CREATE INDEX item_name ON item (name);
