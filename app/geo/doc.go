// Package geo parses and validates project areas of interest (AOIs) and splits
// an area into mapping tasks: a metric square grid, kd-style splits by feature
// count, a given number of tasks, or the manager's own task boundaries.
//
// Coordinates are WGS84 longitude/latitude in degrees throughout; areas are
// geodesic, in square metres, on a sphere of radius orb.EarthRadius (the
// formula turf and geojson-area use).
//
// The package is pure logic: it must not import HTTP code (fiber, huma) or
// fieldbase/db. It depends on the standard library and paulmach/orb only.
package geo
