-- +goose Up
-- PostgreSQL twin of sqlite/00009_languages.sql.
-- The language a person chose for the pages (a catalogue's tag, e.g. "fr"); empty: their browser's
-- Accept-Language, else the instance's default language.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN language;
