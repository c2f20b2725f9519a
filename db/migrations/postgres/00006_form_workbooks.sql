-- +goose Up
-- PostgreSQL twin of sqlite/00006_form_workbooks.sql.
-- A form version made from an XLSForm keeps the workbook it was converted from (a file in the data directory,
-- downloadable), what the conversion warned about, and the media files the form names that the workbook could
-- not hold. A version uploaded as XForm XML has none of these.
ALTER TABLE forms ADD COLUMN source_key TEXT;
ALTER TABLE forms ADD COLUMN source_name TEXT NOT NULL DEFAULT '';
ALTER TABLE forms ADD COLUMN source_size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE forms ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
ALTER TABLE forms ADD COLUMN needs_media TEXT NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX forms_source_key ON forms (source_key) WHERE source_key IS NOT NULL;

-- +goose Down
DROP INDEX forms_source_key;
ALTER TABLE forms DROP COLUMN needs_media;
ALTER TABLE forms DROP COLUMN warnings;
ALTER TABLE forms DROP COLUMN source_size;
ALTER TABLE forms DROP COLUMN source_name;
ALTER TABLE forms DROP COLUMN source_key;
