package app

import (
	"bytes"
	"fmt"
	"testing"
)

// TestTaskMapCacheBudget fills the cache beyond its byte budget: it never holds more than the budget, evicts the
// least recently used project first, counts a new revision of a project once, and keeps no map larger than the
// whole budget.
func TestTaskMapCacheBudget(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("x"), 200)
	one := taskMap{rev: "r1", body: body}.size()
	c := &taskMapCache{budget: 3 * one}
	// check reads the projects in the order given (a read makes a project the most recently used).
	check := func(t *testing.T, want ...struct {
		id   int64
		kept bool
	}) {
		t.Helper()
		if c.bytes() > c.budget {
			t.Fatalf("the cache holds %d bytes, over its budget of %d", c.bytes(), c.budget)
		}
		for _, w := range want {
			if _, ok := c.get(w.id, "r1"); ok != w.kept {
				t.Errorf("project %d cached = %v, want %v", w.id, ok, w.kept)
			}
		}
	}
	type kept = struct {
		id   int64
		kept bool
	}
	for id := int64(1); id <= 3; id++ {
		c.put(id, taskMap{rev: "r1", body: body})
	}
	check(t, kept{1, true}, kept{2, true}, kept{3, true}) // reads 1, 2, 3 in this order: 1 is now the oldest
	c.get(1, "r1")                                        // 2 is now the least recently used
	c.put(4, taskMap{rev: "r1", body: body})
	check(t, kept{2, false}, kept{1, true}, kept{3, true}, kept{4, true})

	c.put(3, taskMap{rev: "r2", body: body}) // a new revision replaces the old one
	if _, ok := c.get(3, "r1"); ok {
		t.Error("the old revision is still served")
	}
	if _, ok := c.get(3, "r2"); !ok || c.bytes() != 3*one {
		t.Errorf("new revision cached %v, %d bytes, want %d", ok, c.bytes(), 3*one)
	}

	c.put(5, taskMap{rev: "r1", body: bytes.Repeat([]byte("x"), int(c.budget))})
	if _, ok := c.get(5, "r1"); ok || c.bytes() > c.budget {
		t.Errorf("a map over the whole budget was kept (%d bytes)", c.bytes())
	}
}

// TestTaskMapCacheDefaultBudget: the zero value is ready and sized in bytes, not in projects.
func TestTaskMapCacheDefaultBudget(t *testing.T) {
	t.Parallel()
	var c taskMapCache
	body := bytes.Repeat([]byte("x"), 64<<10)
	n := int64(0)
	for id := int64(1); n < 2*taskMapBytes; id++ {
		m := taskMap{rev: fmt.Sprint(id), body: body}
		c.put(id, m)
		n += m.size()
		if c.bytes() > taskMapBytes {
			t.Fatalf("after %d maps the cache holds %d bytes", id, c.bytes())
		}
	}
	if c.bytes() < taskMapBytes-2*int64(len(body)) {
		t.Errorf("the cache holds only %d bytes of its %d", c.bytes(), taskMapBytes)
	}
}

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br", true},
		{"br;q=1.0, GZIP;q=0.5", true},
		{"x-gzip", true},
		{"*", true},
		{"identity", false},
		{"br", false},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"*, gzip;q=0", false},
		{"*;q=0", false},
		{"gzip;q=abc", false},
	} {
		t.Run(tt.header, func(t *testing.T) {
			if got := acceptsGzip(tt.header); got != tt.want {
				t.Fatalf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}
