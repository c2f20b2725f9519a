package app

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fieldbase/app/tiles/tilestest"
)

// pmtilesReader reads tiles with the browser's own pmtiles library (under Node) over HTTP Range requests, and
// prints each tile's SHA-256 prefix or "none".
const pmtilesReader = `const {PMTiles, FetchSource} = require(process.argv[1]);
const crypto = require("crypto");
(async () => {
  const p = new PMTiles(new FetchSource(process.argv[2]));
  for (const zxy of process.argv.slice(3)) {
    const [z, x, y] = zxy.split("/").map(Number);
    const r = await p.getZxy(z, x, y);
    console.log(r ? crypto.createHash("sha256").update(Buffer.from(r.data)).digest("hex").slice(0, 16) : "none");
  }
})().catch((e) => { console.log("error " + e); process.exit(1); });`

func TestBasemapPMTilesReadByPMTilesLibrary(t *testing.T) {
	t.Parallel()
	module, err := filepath.Abs(filepath.Join("..", "web", "node_modules", "pmtiles", "dist", "cjs", "index.cjs"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(module); err != nil || serr != nil {
		t.Skip("node or web/node_modules/pmtiles not found")
	}
	ta := newTestApp(t)
	ta.startJobs(t)
	_, tok := ta.newUser(t, "owner", false)
	pid := ta.newProject(t, tok, "")
	pm := basemapClient{base: ta.listen(t), token: tok}
	tiles := map[tilestest.ZXY][]byte{{}: tilestest.PNG(t, southColor), {Z: 1, X: 1, Y: 0}: tilestest.PNG(t, northColor),
		{Z: 2, X: 3, Y: 1}: tilestest.PNG(t, northColor)}
	b := pm.mustUpload(t, pid, "a.pmtiles", tilestest.PMTiles(t, tilestest.PMTilesSpec{TileType: 2, TileCompression: 1,
		MaxZoom: 2, Bounds: [4]float64{-10, -20, 30, 40}, Tiles: tiles}).Bytes)
	asked := []tilestest.ZXY{{}, {Z: 1, X: 1, Y: 0}, {Z: 2, X: 3, Y: 1}, {Z: 1, X: 0, Y: 0}}
	args := []string{"-e", pmtilesReader, module, pm.base + b.URL}
	var want []string
	for _, a := range asked {
		args = append(args, fmt.Sprintf("%d/%d/%d", a.Z, a.X, a.Y))
		if data, ok := tiles[a]; ok {
			want = append(want, fmt.Sprintf("%x", sha256.Sum256(data))[:16])
		} else {
			want = append(want, "none")
		}
	}
	out, err := exec.Command(node, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v: %s", err, out)
	}
	if got := strings.Fields(string(out)); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("pmtiles library read %v, want %v", got, want)
	}
}
