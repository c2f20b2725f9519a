package tiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ErrNoTile reports a tile the file does not hold.
var ErrNoTile = errors.New("no such tile")

// MBTilesFile is an MBTiles database opened read-only.
type MBTilesFile struct {
	db *sql.DB
}

// OpenMBTiles opens the MBTiles file at path read-only and immutable (it never changes once stored, so SQLite
// needs no lock and no journal files beside it). It does not read the file yet.
func OpenMBTiles(path string) (*MBTilesFile, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "mode=ro&immutable=1"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxIdleConns(4)
	return &MBTilesFile{db: db}, nil
}

// Close releases the database.
func (m *MBTilesFile) Close() error { return m.db.Close() }

// Tile returns the tile at z/x/y in XYZ numbering (y from the north, as web maps ask for it; MBTiles stores
// TMS rows, from the south), or ErrNoTile.
func (m *MBTilesFile) Tile(ctx context.Context, z, x, y int) ([]byte, error) {
	if z < 0 || z > MaxZoomLevel || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return nil, ErrNoTile
	}
	var data []byte
	err := m.db.QueryRowContext(ctx, `SELECT tile_data FROM tiles
		WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?`, z, x, (1<<z)-1-y).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoTile
	}
	return data, err
}

// Inspect checks that the database is an MBTiles file and reads its format, zoom range and bounds. The zoom
// range is the tiles' own; the bounds are the metadata's, else those of the tiles at the lowest zoom.
func (m *MBTilesFile) Inspect(progress func(percent int, message string)) (Info, error) {
	ctx := context.Background()
	if err := m.checkTables(ctx); err != nil {
		return Info{}, err
	}
	progress(10, "reading the metadata")
	meta, err := m.metadata(ctx)
	if err != nil {
		return Info{}, err
	}
	info := Info{Container: MBTiles, Name: meta["name"], Attribution: meta["attribution"],
		Layers: vectorLayers([]byte(meta["json"]))}
	progress(30, "reading the zoom range")
	var minZ, maxZ sql.NullInt64
	if err := m.db.QueryRowContext(ctx, "SELECT min(zoom_level), max(zoom_level) FROM tiles").
		Scan(&minZ, &maxZ); err != nil {
		return Info{}, readError(err)
	}
	if !minZ.Valid {
		return Info{}, invalid("the MBTiles file contains no tiles")
	}
	info.MinZoom, info.MaxZoom = int(minZ.Int64), int(maxZ.Int64)
	if err := checkZooms(info.MinZoom, info.MaxZoom); err != nil {
		return Info{}, err
	}
	progress(60, "checking the tile format")
	if err := m.format(ctx, meta["format"], &info); err != nil {
		return Info{}, err
	}
	progress(80, "reading the bounds")
	if info.Bounds, err = m.bounds(ctx, meta["bounds"], info.MinZoom); err != nil {
		return Info{}, err
	}
	return info, checkBounds(info.Bounds)
}

// checkTables is the first read of the file: it tells "not a database" apart from a database that is not
// MBTiles.
func (m *MBTilesFile) checkTables(ctx context.Context) error {
	rows, err := m.db.QueryContext(ctx, `SELECT name FROM sqlite_master
		WHERE type IN ('table', 'view') AND name IN ('metadata', 'tiles')`)
	if err != nil {
		return readError(err)
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return readError(err)
		}
		found[name] = true
	}
	if err := rows.Err(); err != nil {
		return readError(err)
	}
	for _, t := range []string{"metadata", "tiles"} {
		if !found[t] {
			return invalid("the database has no %s table: it is not an MBTiles file", t)
		}
	}
	return nil
}

// readError turns SQLite's verdict on a damaged or foreign file into an InvalidError; other errors stay.
func readError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, s := range []string{"not a database", "malformed", "no such column", "no such table"} {
		if strings.Contains(msg, s) {
			return invalid("the file cannot be read as MBTiles: %s", sqliteReason(msg))
		}
	}
	return err
}

// sqliteReason strips the driver's decoration ("... (26)") from an SQLite error.
func sqliteReason(msg string) string {
	if i := strings.LastIndex(msg, " ("); i > 0 && strings.HasSuffix(msg, ")") {
		msg = msg[:i]
	}
	return msg
}

func (m *MBTilesFile) metadata(ctx context.Context) (map[string]string, error) {
	rows, err := m.db.QueryContext(ctx, "SELECT name, value FROM metadata")
	if err != nil {
		return nil, readError(err)
	}
	defer rows.Close()
	meta := map[string]string{}
	for rows.Next() {
		var name, value sql.NullString
		if err := rows.Scan(&name, &value); err != nil {
			return nil, readError(err)
		}
		meta[strings.ToLower(name.String)] = strings.TrimSpace(value.String)
	}
	return meta, readError(rows.Err())
}

// format reads one tile and checks it against the metadata's format (sniffed when the metadata has none).
func (m *MBTilesFile) format(ctx context.Context, declared string, info *Info) error {
	var tile []byte
	if err := m.db.QueryRowContext(ctx, "SELECT tile_data FROM tiles WHERE zoom_level = ? LIMIT 1", info.MaxZoom).
		Scan(&tile); err != nil {
		return readError(err)
	}
	sniffed, gz := Sniff(tile)
	switch declared = strings.ToLower(declared); declared {
	case "":
		declared = sniffed
	case "jpeg":
		declared = "jpg"
	case "png", "jpg", "webp", "pbf":
	default:
		return invalid("the tile format %q is not supported: use png, jpg, webp or pbf", declared)
	}
	if sniffed != declared {
		return invalid("the metadata says the tiles are %s but they are %s", declared, sniffed)
	}
	info.Format, info.TileType, info.Compression = declared, tileType(declared), "none"
	if gz {
		info.Compression = "gzip"
	}
	return nil
}

// bounds parses the metadata's "west,south,east,north", or measures the tiles at zoom z.
func (m *MBTilesFile) bounds(ctx context.Context, declared string, z int) ([4]float64, error) {
	var b [4]float64
	if declared != "" {
		parts := strings.Split(declared, ",")
		if len(parts) != 4 {
			return b, invalid("the metadata bounds %q are not west,south,east,north", declared)
		}
		for i, p := range parts {
			v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return b, invalid("the metadata bounds %q are not four numbers", declared)
			}
			b[i] = v
		}
		return b, nil
	}
	var x0, x1, r0, r1 int
	if err := m.db.QueryRowContext(ctx, `SELECT min(tile_column), max(tile_column), min(tile_row), max(tile_row)
		FROM tiles WHERE zoom_level = ?`, z).Scan(&x0, &x1, &r0, &r1); err != nil {
		return b, fmt.Errorf("tile extent: %w", readError(err))
	}
	n := 1 << z
	// TMS rows count from the south: the highest row is the northern edge.
	return [4]float64{tileLon(x0, n), tileLat(r0, n), tileLon(x1+1, n), tileLat(r1+1, n)}, nil
}

// tileLon is the western edge of column x of n.
func tileLon(x, n int) float64 { return float64(x)/float64(n)*360 - 180 }

// tileLat is the southern edge of TMS row r of n.
func tileLat(r, n int) float64 {
	y := 1 - 2*float64(r)/float64(n)
	return -math.Atan(math.Sinh(math.Pi*y)) * 180 / math.Pi
}
