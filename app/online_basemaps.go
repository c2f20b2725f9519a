package app

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"fieldbase/app/config"
	"fieldbase/db"

	"github.com/danielgtaylor/huma/v2"
)

// onlineBasemaps holds the online basemaps in force, the configuration's (map.online_basemaps) then those the
// administrators added in the settings, and the Content-Security-Policy that lets browsers reach exactly their
// hosts. Saving the settings replaces both at once; every response reads the policy without touching the store.
type onlineBasemaps struct {
	configured []config.OnlineBasemap
	cur        atomic.Pointer[onlineState]
	// saving keeps a settings save and the state it sets in one order when two administrators save at once.
	saving sync.Mutex
}

type onlineState struct {
	list   []config.OnlineBasemap
	policy string
}

func newOnlineBasemaps(ctx context.Context, configured []config.OnlineBasemap, store *db.Store) (*onlineBasemaps, error) {
	o := &onlineBasemaps{configured: configured}
	s, err := store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	o.set(s.OnlineBasemaps)
	return o, nil
}

// set puts the settings' basemaps after the configuration's and remakes the policy.
func (o *onlineBasemaps) set(saved []db.OnlineBasemap) {
	list := slices.Clone(o.configured)
	for _, b := range saved {
		list = append(list, config.OnlineBasemap(b))
	}
	var origins []string
	for _, b := range list {
		if origin := b.Origin(); origin != "" && !slices.Contains(origins, origin) {
			origins = append(origins, origin)
		}
	}
	o.cur.Store(&onlineState{list: list, policy: contentSecurityPolicy(origins)})
}

// list is the basemaps in force.
func (o *onlineBasemaps) list() []config.OnlineBasemap { return o.cur.Load().list }

// policy is the Content-Security-Policy every response carries.
func (o *onlineBasemaps) policy() string { return o.cur.Load().policy }

// contentSecurityPolicy only allows the server itself (the product works offline, and no page may load anything
// from elsewhere), except that map tiles may come from the online basemaps' hosts: images and fetches, nothing
// else. MapLibre needs blob workers.
func contentSecurityPolicy(tileOrigins []string) string {
	tiles := ""
	if len(tileOrigins) > 0 {
		tiles = " " + strings.Join(tileOrigins, " ")
	}
	return "default-src 'self'; img-src 'self' data: blob:" + tiles + "; " +
		"style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; " +
		"child-src 'self' blob:; connect-src 'self'" + tiles + "; font-src 'self' data:; frame-ancestors 'none'; " +
		"base-uri 'self'; form-action 'self'"
}

// OnlineBasemapList is the body of GET /map/online-basemaps.
type OnlineBasemapList struct {
	Items []config.OnlineBasemap `json:"items" doc:"The online basemaps in force: the configuration's, then those added in the settings"`
}

// OnlineBasemapsOutput wraps OnlineBasemapList.
type OnlineBasemapsOutput struct{ Body OnlineBasemapList }

var listOnlineBasemapsOp = huma.Operation{OperationID: "list-online-basemaps", Tags: []string{"Basemaps"},
	Summary: "Online basemaps the map pages offer",
	Description: "XYZ raster tile services configured by the operator (map.online_basemaps) or added by an " +
		"administrator in the settings; none by default. Every map also draws the offline world map underneath."}

func (a *App) apiListOnlineBasemaps(_ context.Context, _ *struct{}) (*OnlineBasemapsOutput, error) {
	list := a.online.list()
	if list == nil {
		list = []config.OnlineBasemap{}
	}
	return &OnlineBasemapsOutput{Body: OnlineBasemapList{Items: list}}, nil
}
