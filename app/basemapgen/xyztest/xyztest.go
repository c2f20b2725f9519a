// Package xyztest is a real XYZ tile server on 127.0.0.1 for tests: it serves PNG, JPEG and vector (MVT) tiles
// whose bytes name the tile, answers 404 for chosen tiles, 429 with Retry-After or 503 once for others, lets one
// request stall, and counts the requests of each tile. It must only be imported by tests.
package xyztest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// ZXY is a tile address in XYZ numbering.
type ZXY struct{ Z, X, Y int }

// Server serves /{png,jpg,mvt}/{z}/{x}/{y} on 127.0.0.1, and answers 403 to /forbidden/{z}/{x}/{y}.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	counts   map[string]map[ZXY]int
	agents   map[string]bool
	missing  map[ZXY]bool
	limited  map[ZXY]bool // 429 with Retry-After: 1 on the first request
	busy     map[ZXY]bool // 503 on the first request
	stall    map[ZXY]bool // the first request hangs until the client gives up
	firstAt  map[ZXY]time.Time
	secondAt map[ZXY]time.Time
	// Delay slows every answer (to catch a job in the middle).
	Delay time.Duration
}

// Options choose the tiles that misbehave.
type Options struct {
	Missing, Limited, Busy, Stall []ZXY
}

// New starts a server; it stops when the test ends.
func New(tb testing.TB, o Options) *Server {
	tb.Helper()
	s := &Server{counts: map[string]map[ZXY]int{}, agents: map[string]bool{}, missing: set(o.Missing),
		limited: set(o.Limited), busy: set(o.Busy), stall: set(o.Stall), firstAt: map[ZXY]time.Time{},
		secondAt: map[ZXY]time.Time{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

func set(list []ZXY) map[ZXY]bool {
	m := map[ZXY]bool{}
	for _, t := range list {
		m[t] = true
	}
	return m
}

// Template is the URL template of a kind of tiles: png, jpg or mvt.
func (s *Server) Template(kind string) string { return s.URL + "/" + kind + "/{z}/{x}/{y}" }

// Tile is the bytes the server sends for a tile of a kind.
func Tile(kind string, t ZXY) []byte {
	name := fmt.Sprintf("tile %d/%d/%d", t.Z, t.X, t.Y)
	switch kind {
	case "png":
		return append([]byte("\x89PNG\r\n\x1a\n"), name...)
	case "jpg":
		return append([]byte{0xff, 0xd8, 0xff, 0xe0}, name...)
	}
	// A vector tile with one layer "roads" (name, a key naming the tile, version 2), gzip-compressed.
	layer := append([]byte{0x0a, 5}, "roads"...)
	layer = append(append(layer, 0x1a, byte(len(name))), name...)
	layer = append(layer, 0x78, 2)
	mvt := append([]byte{0x1a, byte(len(layer))}, layer...)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(mvt)
	_ = zw.Close()
	return buf.Bytes()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var kind string
	var t ZXY
	if _, err := fmt.Sscanf(strings.ReplaceAll(r.URL.Path, "/", " "), " %s %d %d %d", &kind, &t.Z, &t.X, &t.Y); err != nil {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	if s.counts[kind] == nil {
		s.counts[kind] = map[ZXY]int{}
	}
	s.counts[kind][t]++
	n := s.counts[kind][t]
	s.agents[r.UserAgent()] = true
	if n == 1 {
		s.firstAt[t] = time.Now()
	} else if n == 2 {
		s.secondAt[t] = time.Now()
	}
	delay := s.Delay
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	switch {
	case kind == "forbidden":
		http.Error(w, "no key", http.StatusForbidden)
	case s.missing[t]:
		http.NotFound(w, r)
	case n == 1 && s.limited[t]:
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
	case n == 1 && s.busy[t]:
		w.WriteHeader(http.StatusServiceUnavailable)
	case n == 1 && s.stall[t]:
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	default:
		ct := map[string]string{"png": "image/png", "jpg": "image/jpeg"}[kind]
		if ct == "" {
			ct = "application/vnd.mapbox-vector-tile"
		}
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(Tile(kind, t))
	}
}

// Requests is how many times each tile of a kind was asked for.
func (s *Server) Requests(kind string) map[ZXY]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[ZXY]int{}
	for k, v := range s.counts[kind] {
		out[k] = v
	}
	return out
}

// Gap is the time between the first and second request of a tile (0 if it was asked once).
func (s *Server) Gap(t ZXY) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secondAt[t].IsZero() {
		return 0
	}
	return s.secondAt[t].Sub(s.firstAt[t])
}

// Agents are the User-Agent headers seen.
func (s *Server) Agents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for a := range s.agents {
		out = append(out, a)
	}
	return out
}
