// Package tiles reads offline basemap files: MBTiles (an SQLite database of tiles, opened read-only with the
// modernc driver) and PMTiles v3 (a single file read by the browser with HTTP Range requests, of which this
// package checks the header and root directory). It tells what a file holds (tile format, zoom range, bounds)
// and explains in words a person can act on why a file is unusable.
//
// The package must not import fiber, huma, fieldbase/app or fieldbase/db.
package tiles
