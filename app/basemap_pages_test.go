package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"fieldbase/app/tiles/tilestest"
)

func TestBasemapPublicAccessPageAndDelete(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.startJobs(t)
	_, pmToken := ta.newUser(t, "owner", false)
	_, otherToken := ta.newUser(t, "passerby", false)
	pid := ta.newProject(t, pmToken, "")
	ta.markPublished(t, pid) // anyone may read a published public project's basemaps
	pm := basemapClient{base: ta.listen(t), token: pmToken}
	b := pm.mustUpload(t, pid, "Old town.mbtiles", writeMBTiles(t, tilestest.MBTilesSpec{
		Metadata: map[string]string{"format": "png"}, Tiles: map[tilestest.ZXY][]byte{{}: tilestest.PNG(t, northColor)}}))
	if b.State != "ready" {
		t.Fatalf("basemap = %+v", b)
	}
	api := fmt.Sprintf("/api/v1/projects/%d/basemaps", pid)
	one := fmt.Sprintf("%s/%d", api, b.ID)
	page := fmt.Sprintf("/projects/%d/basemaps", pid)
	ta.run(t, []scenario{
		{name: "OK_AnonymousListsPublic", method: http.MethodGet, url: api, wantStatus: http.StatusOK,
			wantContain: []string{`"total":1`, `"name":"Old town.mbtiles"`, `"state":"ready"`, `"per_page":50`}},
		{name: "OK_AnonymousTilePublicCache", method: http.MethodGet, url: one + "/tiles/0/0/0",
			wantStatus: http.StatusOK, wantType: "image/png"},
		{name: "OK_PageAnonymousNoUpload", method: http.MethodGet, url: page, wantStatus: http.StatusOK,
			wantContain: []string{"Basemaps of", "Old town.mbtiles", "ready", "raster png"},
			wantAbsent:  []string{"Upload a basemap", "/delete"}},
		{name: "OK_PageManagerUpload", method: http.MethodGet, url: page, headers: bearer(pmToken),
			wantStatus: http.StatusOK, wantContain: []string{"Upload a basemap", "js/basemaps.js", "/delete"}},
		{name: "Unauthorized_AnonymousDelete", method: http.MethodDelete, url: one, wantStatus: http.StatusUnauthorized},
		{name: "Forbidden_MapperDelete", method: http.MethodDelete, url: one, headers: bearer(otherToken),
			wantStatus: http.StatusForbidden},
		{name: "NotFound_OtherProject", method: http.MethodGet, url: fmt.Sprintf("/api/v1/projects/%d/basemaps/%d",
			ta.newProject(t, pmToken, ""), b.ID), wantStatus: http.StatusNotFound},
		{name: "NoContent_ManagerDeletes", method: http.MethodDelete, url: one, headers: bearer(pmToken),
			wantStatus: http.StatusNoContent},
		{name: "NotFound_Deleted", method: http.MethodGet, url: one, wantStatus: http.StatusNotFound},
		{name: "NotFound_DeletedTile", method: http.MethodGet, url: one + "/tiles/0/0/0", wantStatus: http.StatusNotFound},
		{name: "OK_PageEmptyState", method: http.MethodGet, url: page, wantStatus: http.StatusOK,
			wantContain: []string{"No basemaps yet"}},
	})
	if n := ta.basemapFiles(t); n != 0 {
		t.Errorf("%d files left after delete", n)
	}
}

func TestBasemapDeleteForm(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	pm := basemapClient{base: ta.listen(t), token: fp.pm}
	resp, got := pm.upload(t, fp.id, "a.pmtiles", []byte("not yet checked"), false)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, got)
	}
	var b BasemapBody
	decode(t, string(got), &b)
	del := fmt.Sprintf("/projects/%d/basemaps/%d/delete", fp.id, b.ID)
	ta.run(t, []scenario{
		{name: "OK_PageShowsValidatingAndRefreshes", method: http.MethodGet,
			url: fmt.Sprintf("/projects/%d/basemaps", fp.id), headers: bearer(fp.mapper), wantStatus: http.StatusOK,
			wantContain: []string{"validating", `hx-trigger="every 2s"`}},
		{name: "Forbidden_Mapper", method: http.MethodPost, url: del, headers: bearer(fp.mapper),
			wantStatus: http.StatusForbidden},
		{name: "SeeOther_Manager", method: http.MethodPost, url: del, headers: bearer(fp.pm),
			wantStatus: http.StatusSeeOther},
		{name: "NotFound_Again", method: http.MethodPost, url: del, headers: bearer(fp.pm),
			wantStatus: http.StatusNotFound},
	})
}

func TestBasemapSweepAtStart(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	pm := basemapClient{base: ta.listen(t), token: fp.pm}
	if resp, got := pm.upload(t, fp.id, "kept.mbtiles", []byte("x"), false); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, got)
	}
	dir := filepath.Join(ta.cfg.Data.Dir, "basemaps")
	for _, orphan := range []string{"files/p1/orphan.mbtiles", "tmp/up-123"} {
		if err := os.WriteFile(filepath.Join(dir, orphan), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if n := ta.basemapFiles(t); n != 3 {
		t.Fatalf("%d files before the sweep, want 3", n)
	}
	if _, err := newBasemaps(context.Background(), ta.cfg.Data.Dir, 1, 0, ta.store); err != nil {
		t.Fatal(err)
	}
	if n := ta.basemapFiles(t); n != 1 {
		t.Errorf("%d files after the sweep, want the referenced one", n)
	}
}
