package geo

import (
	"math"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// AreaM2 returns the geodesic area of g in square metres on a sphere of
// radius orb.EarthRadius (6,378,137 m). It is orb/geo.Area, which implements
// the same spherical-excess formula as turf's area and mapbox's geojson-area.
// Polygons of a MultiPolygon are summed, so overlapping polygons count twice.
func AreaM2(g orb.Geometry) float64 {
	return orbgeo.Area(g)
}

// Centroid returns the planar centroid of g in longitude/latitude, the point
// fmtm-splitter and PostGIS ST_Centroid use to place a feature: area-weighted
// for polygons, length-weighted for lines, the mean for points. It may lie
// outside a concave polygon.
func Centroid(g orb.Geometry) orb.Point {
	c, _ := planar.CentroidArea(g)
	return c
}

// metresToDegrees converts a distance in metres to degrees of latitude and of
// longitude at latitude lat, on the same sphere AreaM2 uses.
func metresToDegrees(m, lat float64) (dLat, dLon float64) {
	dLat = m / orb.EarthRadius * 180 / math.Pi
	return dLat, dLat / math.Cos(lat*math.Pi/180)
}

// metreScale returns how many metres one degree of longitude and of latitude
// span around latitude lat.
func metreScale(lat float64) (perDegLon, perDegLat float64) {
	perDegLat = orb.EarthRadius * math.Pi / 180
	return perDegLat * math.Cos(lat*math.Pi/180), perDegLat
}
