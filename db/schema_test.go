package db

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/pressly/goose/v3"

	"fieldbase/db/pgtest"
)

// The schema of one engine, reduced to what both engines must agree on, in engine-neutral words: types as their
// class (integer, real, text, blob), a SQLite COLLATE NOCASE key column as lower(column) (its PostgreSQL
// translation), partial-index predicates and defaults with parentheses, casts and spacing removed.
type schemaInfo struct {
	Tables   map[string]*tableInfo
	Triggers []string // "table name timing event", sorted
}

type tableInfo struct {
	Columns []columnInfo // in table order
	PK      []string     // in key order
	// Uniques holds every unique key but the primary key, whatever declared it (a UNIQUE clause or a CREATE
	// UNIQUE INDEX), as "col, col [WHERE predicate]", sorted.
	Uniques []string
	// Indexes holds the indexes made by CREATE INDEX by name, as "[unique] col, col [WHERE predicate]". A unique
	// key on lower(column) is a translated COLLATE NOCASE constraint and is only in Uniques.
	Indexes map[string]string
	FKs     []string // "(col, col) -> table(col, col) ON UPDATE x ON DELETE y", sorted
	Checks  []string // "columns [a b] literals [x y]", sorted
}

type columnInfo struct {
	Name     string
	Type     string // integer, real, text or blob
	NotNull  bool
	Default  string // normalised; empty for none
	Identity bool   // the id is assigned by the database when omitted (SQLite: a rowid alias named id)
}

// TestSchemasMatch applies the SQLite and the PostgreSQL migrations (up, all the way down, and up again) and
// proves that both engines end with the same tables, columns, keys, constraints, indexes and triggers.
func TestSchemasMatch(t *testing.T) {
	lite, liteDB := migrateSQLite(t)
	pg, pgDB := migratePostgres(t)
	if len(lite.Tables) < 20 {
		t.Fatalf("SQLite schema has only %d tables: %v", len(lite.Tables), slices.Sorted(maps.Keys(lite.Tables)))
	}
	if !slices.Equal(slices.Sorted(maps.Keys(lite.Tables)), slices.Sorted(maps.Keys(pg.Tables))) {
		t.Fatalf("tables differ:\nsqlite   %v\npostgres %v", slices.Sorted(maps.Keys(lite.Tables)),
			slices.Sorted(maps.Keys(pg.Tables)))
	}
	for _, name := range slices.Sorted(maps.Keys(lite.Tables)) {
		l, p := lite.Tables[name], pg.Tables[name]
		if !reflect.DeepEqual(l.Columns, p.Columns) {
			t.Errorf("%s: columns differ:\nsqlite   %+v\npostgres %+v", name, l.Columns, p.Columns)
		}
		for _, part := range []struct {
			what string
			l, p any
		}{
			{"primary key", l.PK, p.PK}, {"unique keys", l.Uniques, p.Uniques}, {"indexes", l.Indexes, p.Indexes},
			{"foreign keys", l.FKs, p.FKs}, {"checks", l.Checks, p.Checks},
		} {
			if !reflect.DeepEqual(part.l, part.p) {
				t.Errorf("%s: %s differ:\nsqlite   %q\npostgres %q", name, part.what, part.l, part.p)
			}
		}
	}
	if !slices.Equal(lite.Triggers, pg.Triggers) {
		t.Errorf("triggers differ:\nsqlite   %q\npostgres %q", lite.Triggers, pg.Triggers)
	}
	// What the catalogue cannot show: the translated triggers, NOCASE keys and GLOB check behave alike.
	t.Run("SQLiteBehaviour", func(t *testing.T) { checkBehaviour(t, liteDB, func(q string) string { return q }) })
	t.Run("PostgresBehaviour", func(t *testing.T) { checkBehaviour(t, pgDB, dollarParams) })
}

// checkBehaviour writes rows that the triggers, the case-insensitive unique keys and the colour check act on, and
// expects the same outcome on either engine. rebind turns the ? placeholders into the engine's.
func checkBehaviour(t *testing.T, conn *sql.DB, rebind func(string) string) {
	ctx := context.Background()
	const now = "2026-12-01T08:00:00Z"
	id := func(query string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := conn.QueryRowContext(ctx, rebind(query+" RETURNING id"), args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return id
	}
	exec := func(query string, args ...any) error {
		_, err := conn.ExecContext(ctx, rebind(query), args...)
		return err
	}
	mustExec := func(query string, args ...any) {
		t.Helper()
		if err := exec(query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := conn.QueryRowContext(ctx, rebind(query), args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	user := func(name string) int64 {
		return id(`INSERT INTO users (username, display_name, password_hash, created_at, updated_at)
			VALUES (?, ?, 'x', ?, ?)`, name, name, now, now)
	}
	alice, bob := user("Alice"), user("bob")
	if err := exec(`INSERT INTO users (username, display_name, password_hash, created_at, updated_at)
		VALUES ('ALICE', 'A', 'x', ?, ?)`, now, now); err == nil {
		t.Error("a username differing only in case was accepted")
	}
	project := func() int64 {
		return id(`INSERT INTO projects (name, aoi, area_m2, created_at, updated_at) VALUES ('p', '{}', 1, ?, ?)`,
			now, now)
	}
	p1, p2 := project(), project()
	team := func(project int64, name, colour string) (int64, error) {
		var id int64
		err := conn.QueryRowContext(ctx, rebind(`INSERT INTO teams (project_id, name, colour, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), project, name, colour, now, now).Scan(&id)
		return id, err
	}
	t1, err := team(p1, "North", "#00aa00")
	if err != nil {
		t.Fatal(err)
	}
	t2, err := team(p2, "north", "#0000ff") // the same name in another project
	if err != nil {
		t.Fatal(err)
	}
	if _, err := team(p1, "NORTH", "#123456"); err == nil {
		t.Error("a team name differing only in case was accepted in the same project")
	}
	for _, bad := range []string{"#ABCDEF", "#abcde", "#abcdefa", "abcdef0", "#abcdeg"} {
		if _, err := team(p1, "Colour "+bad, bad); err == nil {
			t.Errorf("colour %q was accepted", bad)
		}
	}
	for _, m := range [][2]int64{{p1, alice}, {p1, bob}, {p2, alice}} {
		mustExec(`INSERT INTO project_members (project_id, user_id, role, created_at) VALUES (?, ?, 'mapper', ?)`,
			m[0], m[1], now)
	}
	for _, m := range [][2]int64{{t1, alice}, {t1, bob}, {t2, alice}} {
		mustExec("INSERT INTO team_members (team_id, user_id, created_at) VALUES (?, ?, ?)", m[0], m[1], now)
	}
	// Leaving project 1 leaves its teams, and only those.
	mustExec("DELETE FROM project_members WHERE project_id = ? AND user_id = ?", p1, alice)
	if n := count("SELECT count(*) FROM team_members WHERE team_id = ? AND user_id = ?", t1, alice); n != 0 {
		t.Error("leaving a project kept its team membership")
	}
	if n := count("SELECT count(*) FROM team_members WHERE user_id = ?", alice); n != 1 {
		t.Errorf("leaving project 1 left %d team memberships of alice, want 1 (project 2's)", n)
	}
	if n := count("SELECT count(*) FROM team_members WHERE user_id = ?", bob); n != 1 {
		t.Errorf("alice leaving touched bob's membership: %d left", n)
	}
	// A task is assigned to a person or a team: an update giving it both is refused with the trigger's message.
	task := id(`INSERT INTO tasks (project_id, idx, outline, min_lon, min_lat, max_lon, max_lat, area_m2, updated_at)
		VALUES (?, 1, '{}', 0, 0, 1, 1, 1, ?)`, p1, now)
	mustExec("UPDATE tasks SET assigned_to = ? WHERE id = ?", bob, task)
	err = exec("UPDATE tasks SET assigned_team_id = ? WHERE id = ?", t1, task)
	if err == nil || !strings.Contains(err.Error(), "a task is assigned to a person or a team, not both") {
		t.Errorf("assigning a team to a task assigned to a person: %v", err)
	}
	mustExec("UPDATE tasks SET assigned_to = NULL, assigned_team_id = ? WHERE id = ?", t1, task)
	if n := count("SELECT count(*) FROM tasks WHERE assigned_to IS NULL AND assigned_team_id = ?", t1); n != 1 {
		t.Errorf("moving the task from a person to a team: %d tasks on the team", n)
	}
	// Explicit ids are accepted, as a copy from another instance needs.
	mustExec(`INSERT INTO users (id, username, display_name, password_hash, created_at, updated_at)
		VALUES (1000, 'carol', 'C', 'x', ?, ?)`, now, now)
}

// dollarParams rewrites ? placeholders as PostgreSQL's $1, $2, ... (the queries here hold no literal "?").
func dollarParams(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// migrateSQLite migrates a real SQLite file up, down to 0 and up again through the store's own migrator, checks
// that the way down leaves nothing behind and the way up again gives the same schema, and returns it with the
// store's write connection.
func migrateSQLite(t *testing.T) (*schemaInfo, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	m, err := NewMigrator(s, os.DirFS("migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := m.Up(ctx); err != nil || v != 9 {
		t.Fatalf("sqlite up: version %d, %v", v, err)
	}
	first := readSQLiteSchema(t, s.DB())
	for v := int64(9); v > 0; {
		if v, err = m.Down(ctx); err != nil {
			t.Fatalf("sqlite down: %v", err)
		}
	}
	var left []string
	rows, err := s.DB().QueryContext(ctx, `SELECT type || ' ' || name FROM sqlite_master
		WHERE name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	left = scanStrings(t, rows)
	if len(left) > 0 {
		t.Errorf("sqlite: down to 0 leaves %q", left)
	}
	if v, err := m.Up(ctx); err != nil || v != 9 {
		t.Fatalf("sqlite up again: version %d, %v", v, err)
	}
	again := readSQLiteSchema(t, s.DB())
	if !reflect.DeepEqual(first, again) {
		t.Errorf("sqlite: up, down and up again gives another schema:\nfirst %+v\nagain %+v", first, again)
	}
	return first, s.write
}

// migratePostgres does the same as migrateSQLite on a fresh PostgreSQL database, with goose's provider over
// database/sql and pgx's driver (independent of the store's PostgreSQL engine).
func migratePostgres(t *testing.T) (*schemaInfo, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	conn, err := sql.Open("pgx", pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	p, err := goose.NewProvider(goose.DialectPostgres, conn, os.DirFS("migrations/postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("postgres up: %v", err)
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != 9 {
		t.Fatalf("postgres up: version %d, %v", v, err)
	}
	first := readPostgresSchema(t, conn)
	for v := int64(9); v > 0; {
		if _, err := p.Down(ctx); err != nil {
			t.Fatalf("postgres down from %d: %v", v, err)
		}
		if v, err = p.GetDBVersion(ctx); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := conn.QueryContext(ctx, `
		SELECT c.relkind::text || ' ' || c.relname FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE 'goose_db_version%'
		UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
		UNION ALL SELECT 'type ' || typname FROM pg_type
		WHERE typnamespace = 'public'::regnamespace AND typname NOT LIKE '%goose_db_version%'
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	if left := scanStrings(t, rows); len(left) > 0 {
		t.Errorf("postgres: down to 0 leaves %q", left)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("postgres up again: %v", err)
	}
	again := readPostgresSchema(t, conn)
	if !reflect.DeepEqual(first, again) {
		t.Errorf("postgres: up, down and up again gives another schema:\nfirst %+v\nagain %+v", first, again)
	}
	return first, conn
}

// readSQLiteSchema reads the schema through the pragmas and the CREATE statements in sqlite_master.
func readSQLiteSchema(t *testing.T, conn *sql.DB) *schemaInfo {
	t.Helper()
	ctx := context.Background()
	out := &schemaInfo{Tables: map[string]*tableInfo{}}
	rows, err := conn.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	createSQL := map[string]string{}
	for rows.Next() {
		var name, text string
		if err := rows.Scan(&name, &text); err != nil {
			t.Fatal(err)
		}
		createSQL[name] = text
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for name, create := range createSQL {
		ti := &tableInfo{Indexes: map[string]string{}}
		out.Tables[name] = ti
		type pkCol struct {
			name string
			pos  int
		}
		var pk []pkCol
		var colNames []string
		q := func(query string, args ...any) *sql.Rows {
			r, err := conn.QueryContext(ctx, query, args...)
			if err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			return r
		}
		r := q("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid", name)
		for r.Next() {
			var c columnInfo
			var dflt sql.NullString
			var pos int
			if err := r.Scan(&c.Name, &c.Type, &c.NotNull, &dflt, &pos); err != nil {
				t.Fatal(err)
			}
			c.Type = strings.ToLower(c.Type)
			c.Default = normDefault(dflt.String)
			if pos > 0 {
				c.NotNull = true
				pk = append(pk, pkCol{c.Name, pos})
			}
			ti.Columns = append(ti.Columns, c)
			colNames = append(colNames, c.Name)
		}
		closeRows(t, r)
		sort.Slice(pk, func(i, j int) bool { return pk[i].pos < pk[j].pos })
		for _, c := range pk {
			ti.PK = append(ti.PK, c.name)
		}
		// A single INTEGER primary key is the rowid: SQLite assigns it when an insert leaves it out.
		if len(pk) == 1 {
			for i := range ti.Columns {
				if ti.Columns[i].Name == pk[0].name && ti.Columns[i].Type == "integer" && pk[0].name == "id" {
					ti.Columns[i].Identity = true
				}
			}
		}

		fks := map[int]*[4][]string{} // id -> from, to, {table}, {on update, on delete}
		r = q(`SELECT id, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`,
			name)
		for r.Next() {
			var id int
			var target, from, to, onUpdate, onDelete string
			if err := r.Scan(&id, &target, &from, &to, &onUpdate, &onDelete); err != nil {
				t.Fatal(err)
			}
			fk := fks[id]
			if fk == nil {
				fk = &[4][]string{nil, nil, {target}, {onUpdate, onDelete}}
				fks[id] = fk
			}
			fk[0] = append(fk[0], from)
			fk[1] = append(fk[1], to)
		}
		closeRows(t, r)
		for _, fk := range fks {
			ti.FKs = append(ti.FKs, fkString(fk[0], fk[2][0], fk[1], fk[3][0], fk[3][1]))
		}
		sort.Strings(ti.FKs)

		type index struct {
			name, origin string
			unique       bool
		}
		var indexes []index
		r = q(`SELECT name, "unique", origin FROM pragma_index_list(?)`, name)
		for r.Next() {
			var ix index
			if err := r.Scan(&ix.name, &ix.unique, &ix.origin); err != nil {
				t.Fatal(err)
			}
			indexes = append(indexes, ix)
		}
		closeRows(t, r)
		for _, ix := range indexes {
			if ix.origin == "pk" {
				continue
			}
			var cols []string
			r = q(`SELECT name, coll, "desc" FROM pragma_index_xinfo(?) WHERE key ORDER BY seqno`, ix.name)
			for r.Next() {
				var col sql.NullString
				var coll string
				var desc bool
				if err := r.Scan(&col, &coll, &desc); err != nil {
					t.Fatal(err)
				}
				if !col.Valid {
					t.Fatalf("index %s has an expression column: teach this test to read it", ix.name)
				}
				c := col.String
				if strings.EqualFold(coll, "NOCASE") {
					c = "lower(" + c + ")"
				}
				if desc {
					c += " desc"
				}
				cols = append(cols, c)
			}
			closeRows(t, r)
			key := strings.Join(cols, ", ")
			if ix.origin == "c" {
				var text string
				if err := conn.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
					ix.name).Scan(&text); err != nil {
					t.Fatal(err)
				}
				if loc := regexp.MustCompile(`(?is)\)\s*WHERE\s+(.*)$`).FindStringSubmatch(text); loc != nil {
					key += " WHERE " + normExpr(loc[1])
				}
				ti.Indexes[ix.name] = indexString(ix.unique, key)
			}
			if ix.unique {
				ti.Uniques = append(ti.Uniques, key)
			}
		}
		sort.Strings(ti.Uniques)
		ti.Checks = sqliteChecks(create, colNames)
	}

	rows, err = conn.QueryContext(ctx, "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'")
	if err != nil {
		t.Fatal(err)
	}
	head := regexp.MustCompile(`(?is)^CREATE\s+TRIGGER\s+\S+\s+(BEFORE|AFTER|INSTEAD\s+OF)\s+(INSERT|UPDATE|DELETE)\b`)
	for rows.Next() {
		var table, name, text string
		if err := rows.Scan(&table, &name, &text); err != nil {
			t.Fatal(err)
		}
		m := head.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("trigger %s: cannot read its timing and event from %q", name, text)
		}
		out.Triggers = append(out.Triggers, strings.ToLower(table+" "+name+" "+m[1]+" "+m[2]))
	}
	closeRows(t, rows)
	sort.Strings(out.Triggers)
	return out
}

// readPostgresSchema reads the schema of the public schema through information_schema and pg_catalog.
func readPostgresSchema(t *testing.T, conn *sql.DB) *schemaInfo {
	t.Helper()
	ctx := context.Background()
	out := &schemaInfo{Tables: map[string]*tableInfo{}}
	q := func(query string, args ...any) *sql.Rows {
		r, err := conn.QueryContext(ctx, query, args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return r
	}
	r := q(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'
		AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version'`)
	for _, name := range scanStrings(t, r) {
		out.Tables[name] = &tableInfo{Indexes: map[string]string{}}
	}
	types := map[string]string{"bigint": "integer", "double precision": "real", "text": "text", "bytea": "blob"}
	r = q(`SELECT table_name, column_name, data_type, is_nullable = 'NO', coalesce(column_default, ''),
		is_identity = 'YES' FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name,
		ordinal_position`)
	for r.Next() {
		var table string
		var c columnInfo
		if err := r.Scan(&table, &c.Name, &c.Type, &c.NotNull, &c.Default, &c.Identity); err != nil {
			t.Fatal(err)
		}
		if ti := out.Tables[table]; ti != nil {
			if m, ok := types[c.Type]; ok {
				c.Type = m
			} else {
				c.Type = "postgres " + c.Type // no SQLite twin: INTEGER is BIGINT, never int4
			}
			c.Default = normDefault(c.Default)
			ti.Columns = append(ti.Columns, c)
		}
	}
	closeRows(t, r)

	// Constraints: primary key, foreign keys and checks, with their columns in key order.
	actions := map[string]string{"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
	r = q(`SELECT c.conrelid::regclass::text, c.contype,
			array_to_string(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
				JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), ','),
			coalesce(c.confrelid::regclass::text, ''),
			array_to_string(ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
				JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i), ','),
			c.confupdtype, c.confdeltype, pg_get_constraintdef(c.oid)
		FROM pg_constraint c WHERE c.connamespace = 'public'::regnamespace AND c.contype IN ('p', 'f', 'c')`)
	for r.Next() {
		var table, kind, cols, target, targetCols, onUpdate, onDelete, def string
		if err := r.Scan(&table, &kind, &cols, &target, &targetCols, &onUpdate, &onDelete, &def); err != nil {
			t.Fatal(err)
		}
		ti := out.Tables[table]
		if ti == nil {
			continue
		}
		switch kind {
		case "p":
			ti.PK = strings.Split(cols, ",")
		case "f":
			ti.FKs = append(ti.FKs, fkString(strings.Split(cols, ","), target, strings.Split(targetCols, ","),
				actions[onUpdate], actions[onDelete]))
		case "c":
			colList := strings.Split(cols, ",")
			sort.Strings(colList)
			ti.Checks = append(ti.Checks, checkString(colList, literals(def, false)))
		}
	}
	closeRows(t, r)

	// Indexes: every unique one is a unique key; the ones not made by a constraint are named indexes, except a
	// unique key on lower(column), the translation of SQLite's COLLATE NOCASE.
	r = q(`SELECT i.indrelid::regclass::text, ic.relname, i.indisunique, i.indisprimary,
			EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid),
			array_to_string(ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) ||
				CASE WHEN i.indoption[k - 1] & 1 = 1 THEN ' desc' ELSE '' END
				FROM generate_series(1, i.indnkeyatts) k ORDER BY k), ', '),
			coalesce(pg_get_expr(i.indpred, i.indrelid), '')
		FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
		WHERE ic.relnamespace = 'public'::regnamespace`)
	for r.Next() {
		var table, name, cols, pred string
		var unique, primary, fromConstraint bool
		if err := r.Scan(&table, &name, &unique, &primary, &fromConstraint, &cols, &pred); err != nil {
			t.Fatal(err)
		}
		ti := out.Tables[table]
		if ti == nil || primary {
			continue
		}
		key := cols
		if pred != "" {
			key += " WHERE " + normExpr(pred)
		}
		if unique {
			ti.Uniques = append(ti.Uniques, key)
		}
		if !fromConstraint && !(unique && strings.Contains(cols, "lower(")) {
			ti.Indexes[name] = indexString(unique, key)
		}
	}
	closeRows(t, r)
	for _, ti := range out.Tables {
		sort.Strings(ti.Uniques)
		sort.Strings(ti.FKs)
		sort.Strings(ti.Checks)
	}

	r = q(`SELECT event_object_table || ' ' || trigger_name || ' ' || action_timing || ' ' || event_manipulation
		FROM information_schema.triggers WHERE trigger_schema = 'public'`)
	out.Triggers = scanStrings(t, r)
	for i := range out.Triggers {
		out.Triggers[i] = strings.ToLower(out.Triggers[i])
	}
	sort.Strings(out.Triggers)
	return out
}

// sqliteChecks finds the CHECK constraints in a CREATE TABLE statement (skipping comments and strings) and
// describes each by the table's columns it names and its literals.
func sqliteChecks(create string, columns []string) []string {
	var out []string
	toks := tokens(create)
	for i := 0; i < len(toks); i++ {
		if !strings.EqualFold(toks[i], "CHECK") || i+1 >= len(toks) || toks[i+1] != "(" {
			continue
		}
		depth, j := 0, i+1
		var expr []string
		for ; j < len(toks); j++ {
			switch toks[j] {
			case "(":
				depth++
			case ")":
				depth--
			}
			expr = append(expr, toks[j])
			if depth == 0 {
				break
			}
		}
		var cols []string
		for _, tok := range expr {
			if slices.Contains(columns, tok) && !slices.Contains(cols, tok) {
				cols = append(cols, tok)
			}
		}
		sort.Strings(cols)
		out = append(out, checkString(cols, literals(strings.Join(expr, " "), true)))
		i = j
	}
	sort.Strings(out)
	return out
}

// tokens splits SQL into words, numbers, 'strings' and single punctuation characters, dropping comments.
func tokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '-' && strings.HasPrefix(s[i:], "--"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			j := i + 1
			for j < len(s) {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			out = append(out, s[i:min(j+1, len(s))])
			i = j + 1
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.':
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '.' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' ||
				s[j] >= '0' && s[j] <= '9') {
				j++
			}
			out = append(out, s[i:j])
			i = j
		default:
			out = append(out, string(c))
			i++
		}
	}
	return out
}

var (
	stringLit = regexp.MustCompile(`'((?:[^']|'')*)'`)
	numberLit = regexp.MustCompile(`\b\d+(?:\.\d+)?\b`)
	globLit   = regexp.MustCompile(`(?i)\bGLOB\s+'((?:[^']|'')*)'`)
)

// literals lists an expression's string and number literals, sorted. With glob, the pattern of "x GLOB 'p'" is
// written as the anchored regular expression PostgreSQL's translation "x ~ '^p$'" holds.
func literals(expr string, glob bool) []string {
	if glob {
		expr = globLit.ReplaceAllStringFunc(expr, func(m string) string {
			p := globLit.FindStringSubmatch(m)[1]
			p = strings.NewReplacer("*", ".*", "?", ".").Replace(p)
			return "~ '^" + p + "$'"
		})
	}
	var out []string
	for _, m := range stringLit.FindAllStringSubmatch(expr, -1) {
		out = append(out, "'"+m[1]+"'")
	}
	out = append(out, numberLit.FindAllString(stringLit.ReplaceAllString(expr, "''"), -1)...)
	sort.Strings(out)
	return out
}

var casts = regexp.MustCompile(`::[a-z]+( precision| varying)?`)

// normExpr writes an expression without parentheses, casts, quotes, spacing or case, so that SQLite's text as
// written and PostgreSQL's decompiled text compare equal.
func normExpr(s string) string {
	s = casts.ReplaceAllString(strings.ToLower(s), "")
	return strings.NewReplacer("(", "", ")", "", " ", "", "\n", "", "\t", "", `"`, "").Replace(s)
}

// normDefault normalises a column default: PostgreSQL adds a cast to a literal (the empty string as text).
func normDefault(s string) string { return normExpr(s) }

func fkString(from []string, target string, to []string, onUpdate, onDelete string) string {
	return fmt.Sprintf("(%s) -> %s(%s) ON UPDATE %s ON DELETE %s", strings.Join(from, ", "), target,
		strings.Join(to, ", "), onUpdate, onDelete)
}

func checkString(cols, lits []string) string {
	return fmt.Sprintf("columns %v literals %v", cols, lits)
}

func indexString(unique bool, key string) string {
	if unique {
		return "unique " + key
	}
	return key
}

func scanStrings(t *testing.T, rows *sql.Rows) []string {
	t.Helper()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	closeRows(t, rows)
	return out
}

func closeRows(t *testing.T, rows *sql.Rows) {
	t.Helper()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	_ = rows.Close()
}
