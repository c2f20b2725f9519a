// Package basemapgen makes an offline basemap from an XYZ tile source: it finds the tiles that cover a project's
// area of interest at each zoom, downloads them with bounded concurrency, retries and backoff into a work file
// that survives a restart (finished tiles are never fetched again), and writes an MBTiles or PMTiles file with the
// writers of package tiles. It also decides which sources may be used: sources whose terms forbid bulk download
// are refused, and a URL typed by a person may not reach private networks unless the server allows it.
//
// The package must not import fiber, huma, fieldbase/app or fieldbase/db.
package basemapgen
