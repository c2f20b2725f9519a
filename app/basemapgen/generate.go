package basemapgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"fieldbase/app/tiles"
)

// Formats of generated basemaps.
const (
	MBTiles = tiles.MBTiles
	PMTiles = tiles.PMTiles
)

// MaxZoom is the deepest zoom a basemap may be generated at.
const MaxZoom = 22

// Params say what to generate.
type Params struct {
	Source           Source
	AOI              orb.MultiPolygon
	MinZoom, MaxZoom int
	Format           string // mbtiles or pmtiles
	Name             string
	Concurrency      int
}

// Progress is how far a generation is: tiles settled (downloaded or missing at the source) of the total, and the
// bytes downloaded, counting those of earlier runs kept in the work file.
type Progress struct {
	Done, Total, Missing int
	Bytes                int64
	// Fetched is how many tiles this run downloaded (the rest came from the work file).
	Fetched int
}

// Estimate is what a generation would download.
type Estimate struct {
	Tiles int
	// Bytes is a rough size: tiles times a typical size for the kind of source.
	Bytes int64
}

// typicalTileBytes is a middle size of a 256-pixel tile (satellite JPEG ~20 KB, rendered PNG ~10 KB, vector
// ~15 KB); the estimate says "about".
const typicalTileBytes = 15 << 10

// EstimateTiles counts the tiles covering the AOI at the zoom range, stopping past limit.
func EstimateTiles(aoi orb.MultiPolygon, minZ, maxZ, limit int) Estimate {
	n := CountRange(aoi, minZ, maxZ, limit)
	return Estimate{Tiles: n, Bytes: int64(n) * typicalTileBytes}
}

// Generate downloads the tiles covering p.AOI into the work file at workPath (skipping those it already holds),
// then writes the basemap file to outPath and checks it by reading it back. It returns what the file holds and
// the last progress. An error leaves the work file for the next attempt.
func Generate(ctx context.Context, f *Fetcher, p Params, workPath, outPath string,
	progress func(Progress)) (tiles.Info, Progress, error) {
	work, err := openWork(ctx, workPath)
	if err != nil {
		return tiles.Info{}, Progress{}, err
	}
	defer work.close()
	done, bytes, missing, err := work.done(ctx)
	if err != nil {
		return tiles.Info{}, Progress{}, err
	}
	var spans [][]Span
	total := 0
	for z := p.MinZoom; z <= p.MaxZoom; z++ {
		s := Cover(p.AOI, z)
		spans = append(spans, s)
		total += Count(s)
	}
	pr := Progress{Done: len(done), Total: total, Missing: missing, Bytes: bytes}
	progress(pr)
	if pr, err = download(ctx, f, p, work, spans, done, pr, progress); err != nil {
		return tiles.Info{}, pr, err
	}
	if pr.Done-pr.Missing == 0 {
		return tiles.Info{}, pr, &PermanentError{Reason: "the source has none of the tiles of this area at these zooms"}
	}
	if err := write(ctx, work, p, outPath); err != nil {
		return tiles.Info{}, pr, err
	}
	info, err := tiles.Inspect(outPath, filepath.Base(outPath), nil)
	return info, pr, err
}

type tileJob struct {
	id      uint64
	z, x, y int
}

// download fetches every tile not yet done with p.Concurrency workers; one goroutine commits the results in
// batches and reports progress at most every half second.
func download(ctx context.Context, f *Fetcher, p Params, work *workFile, spans [][]Span, done map[uint64]bool,
	pr Progress, progress func(Progress)) (Progress, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan tileJob, 64)
	results := make(chan result, 64)
	go func() {
		defer close(jobs)
		for i, zs := range spans {
			z := p.MinZoom + i
			for _, s := range zs {
				for x := s.X0; x <= s.X1; x++ {
					id := tileID(z, x, s.Y)
					if done[id] {
						continue
					}
					select {
					case jobs <- tileJob{id: id, z: z, x: x, y: s.Y}:
					case <-ctx.Done():
						return
					}
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for range max(p.Concurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				data, err := f.Fetch(ctx, fill(p.Source.URL, j.z, j.x, j.y))
				if errors.Is(err, errNoTile) {
					data, err = nil, nil
				}
				if err != nil {
					cancel(fmt.Errorf("tile %d/%d/%d: %w", j.z, j.x, j.y, err))
					return
				}
				select {
				case results <- result{id: j.id, z: j.z, x: j.x, y: j.y, data: data}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	return collect(ctx, work, results, pr, progress)
}

// collect commits results in batches (every 256 tiles or 250 ms) and reports progress.
func collect(ctx context.Context, work *workFile, results <-chan result, pr Progress,
	progress func(Progress)) (Progress, error) {
	var batch []result
	lastReport := time.Now()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		// Committed even when the job is being stopped: what was downloaded is kept for the next run.
		if err := work.save(context.WithoutCancel(ctx), batch); err != nil {
			return err
		}
		for _, r := range batch {
			pr.Done++
			if r.data == nil {
				pr.Missing++
			} else {
				pr.Fetched++
				pr.Bytes += int64(len(r.data))
			}
		}
		batch = batch[:0]
		return nil
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r, ok := <-results:
			if !ok {
				if err := flush(); err != nil {
					return pr, err
				}
				progress(pr)
				if cause := context.Cause(ctx); cause != nil {
					return pr, cause
				}
				return pr, nil
			}
			batch = append(batch, r)
			if len(batch) < 256 {
				continue
			}
		case <-tick.C:
		}
		if err := flush(); err != nil {
			return pr, err
		}
		if time.Since(lastReport) >= 500*time.Millisecond {
			lastReport = time.Now()
			progress(pr)
		}
	}
}

// write turns the work file into the basemap file at outPath.
func write(ctx context.Context, work *workFile, p Params, outPath string) error {
	sample, err := work.first(ctx)
	if err != nil {
		return err
	}
	format, gz := tiles.Sniff(sample)
	b := p.AOI.Bound()
	bounds := [4]float64{max(b.Min[0], -180), max(b.Min[1], -maxLat), min(b.Max[0], 180), min(b.Max[1], maxLat)}
	dir := filepath.Dir(outPath)
	layers := layerNames{}
	if format == "pbf" {
		if err := work.each(ctx, func(_, _, _ int, data []byte) error { layers.add(data, gz); return nil }); err != nil {
			return err
		}
	}
	if p.Format == PMTiles {
		w, err := tiles.NewPMTilesWriter(dir)
		if err != nil {
			return err
		}
		defer w.Abort()
		if err := work.each(ctx, func(z, x, y int, data []byte) error {
			return w.Add(uint8(z), uint32(x), uint32(y), data)
		}); err != nil {
			return err
		}
		doc := map[string]any{"name": p.Name, "attribution": p.Source.Attribution, "format": format}
		if len(layers) > 0 {
			doc["vector_layers"] = layers.list()
		}
		meta, _ := json.Marshal(doc)
		return w.Finish(outPath, tiles.PMTilesMeta{Format: format, Gzip: gz, Bounds: bounds, Metadata: meta})
	}
	w, err := tiles.NewMBTilesWriter(ctx, dir)
	if err != nil {
		return err
	}
	defer w.Abort()
	if err := work.each(ctx, func(z, x, y int, data []byte) error { return w.Add(ctx, z, x, y, data) }); err != nil {
		return err
	}
	return w.Finish(ctx, outPath, tiles.MBTilesMeta{Name: p.Name, Format: format, Attribution: p.Source.Attribution,
		Bounds: bounds, JSON: layers.json()})
}
