package bench

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fieldbase/app/backup"
	"fieldbase/app/storage"
)

const (
	backupSubmissions = 100_000
	// One submission in photoEvery has a photoSize photo: 1,000 photos, 100 MB, beside the database.
	photoEvery, photoSize = 100, 100 << 10
)

// fillSubmissions inserts n submissions (about 1.5 KB of XML each) of the project's bench form in transactions
// of 5,000 rows, and a photo for one in photoEvery, written through the file store as uploads are.
func fillSubmissions(b *testing.B, ba *benchApp, projectID int64, n int) {
	b.Helper()
	ctx := context.Background()
	form, err := ba.Store.CurrentForm(ctx, projectID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	files, err := storage.Open(ba.Cfg.Data.Dir)
	if err != nil {
		b.Fatal(err)
	}
	photo := make([]byte, photoSize)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	note := strings.Repeat("field notes ", 110)
	const batch = 5000
	for start := 0; start < n; start += batch {
		type att struct {
			sub       int
			key, hash string
		}
		var atts []att
		for i := start; i < min(start+batch, n); i++ {
			if i%photoEvery != 0 {
				continue
			}
			_, _ = rand.Read(photo[:64])
			tmp, err := files.Write(strings.NewReader(string(photo)), 0, false)
			if err != nil {
				b.Fatal(err)
			}
			key := fmt.Sprintf("bench/%d/photo.jpg", i)
			if err := tmp.Commit(key); err != nil {
				b.Fatal(err)
			}
			atts = append(atts, att{i, key, tmp.Info.SHA256})
		}
		err := ba.Store.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			ins, err := tx.PrepareContext(ctx, `INSERT INTO submissions (project_id, form_row, form_id, instance_id,
				xml, xml_sha256, created_at, updated_at) VALUES (?, ?, 'bench', ?, ?, ?, ?, ?) RETURNING id`)
			if err != nil {
				return err
			}
			defer ins.Close()
			ids := map[int]int64{}
			for i := start; i < min(start+batch, n); i++ {
				id := fmt.Sprintf("uuid:fill-%d", i)
				xml := `<data id="bench" version="1"><note>` + note + `</note><photo>photo.jpg</photo>` +
					`<location>27.7 85.3 1300 5</location><meta><instanceID>` + id + `</instanceID></meta></data>`
				sum := sha256.Sum256([]byte(xml))
				var rowID int64
				if err := ins.QueryRowContext(ctx, projectID, form.ID, id, []byte(xml), hex.EncodeToString(sum[:]),
					now, now).Scan(&rowID); err != nil {
					return err
				}
				ids[i] = rowID
			}
			for _, a := range atts {
				if _, err := tx.ExecContext(ctx, `INSERT INTO submission_attachments (submission_id, name, file_key,
					size, sha256, content_type, created_at) VALUES (?, 'photo.jpg', ?, ?, ?, 'image/jpeg', ?)`,
					ids[a.sub], a.key, photoSize, a.hash, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// ingestLatencies sends Collect submissions (5 KB XML + a 200 KB photo) from 8 senders until stop is closed (or,
// with a nil stop, until count are sent) and returns the latencies, sorted.
func ingestLatencies(b *testing.B, base string, body *collectBody, prefix string, count int,
	stop <-chan struct{}) []time.Duration {
	c := client()
	var mu sync.Mutex
	var lat []time.Duration
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if stop != nil {
					select {
					case <-stop:
						return
					default:
					}
				} else if i > int64(count) {
					return
				}
				t0 := time.Now()
				code, err := body.post(c, base, benchSubmission(fmt.Sprintf("uuid:%s-%d", prefix, i)))
				if err != nil || code != http.StatusCreated {
					b.Errorf("submission: %d %v", code, err)
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat
}

func p99(lat []time.Duration) float64 {
	if len(lat) == 0 {
		return 0
	}
	return float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds()) / 1000
}

// BenchmarkBackup100k measures, on a database of 100,000 submissions (about 1.5 KB of XML each) with 1,000
// photos of 100 KB, synchronous=FULL: the time of a backup (snapshot, integrity check, archive with every file,
// fsync) taken while the server runs; the p99 latency of submissions sent over HTTP (8 senders, 5 KB XML and a
// 200 KB photo each) with no backup running and while the backup runs; and the time to restore the archive into
// a new directory (checksums, integrity check, fsync, swap). Run it with
// `go test ./bench -run '^$' -bench Backup -benchtime 1x`.
func BenchmarkBackup100k(b *testing.B) {
	ba := newBenchApp(b)
	pid, base := ba.odkProject(b)
	t0 := time.Now()
	fillSubmissions(b, ba, pid, backupSubmissions)
	b.Logf("filled %d submissions in %s", backupSubmissions, time.Since(t0).Round(time.Millisecond))
	dbSize := int64(0)
	if st, err := os.Stat(ba.Store.Path()); err == nil {
		dbSize = st.Size()
	}
	photo := make([]byte, 200<<10)
	_, _ = rand.Read(photo)
	body := newCollectBody(photo)
	idle := ingestLatencies(b, base, body, "idle", 400, nil)

	b.ResetTimer()
	var took, restoreTook time.Duration
	var during []time.Duration
	var size int64
	for n := range b.N {
		out := filepath.Join(b.TempDir(), fmt.Sprintf("b%d.zip", n))
		stop := make(chan struct{})
		got := make(chan []time.Duration)
		go func() { got <- ingestLatencies(b, base, body, fmt.Sprintf("during%d", n), 0, stop) }()
		start := time.Now()
		m, err := backup.Create(context.Background(), ba.Cfg.Data.Dir, out, backup.Options{AppVersion: "bench"})
		took += time.Since(start)
		close(stop)
		during = append(during, <-got...)
		if err != nil {
			b.Fatal(err)
		}
		if m.Submissions < backupSubmissions {
			b.Fatalf("the backup holds %d submissions", m.Submissions)
		}
		if st, err := os.Stat(out); err == nil {
			size = st.Size()
		}
		b.StopTimer()
		start = time.Now()
		if _, err := backup.Restore(context.Background(), out, filepath.Join(b.TempDir(), "restored")); err != nil {
			b.Fatal(err)
		}
		restoreTook += time.Since(start)
		b.StartTimer()
	}
	b.StopTimer()
	sort.Slice(during, func(i, j int) bool { return during[i] < during[j] })
	b.ReportMetric(took.Seconds()/float64(b.N), "backup_s")
	b.ReportMetric(restoreTook.Seconds()/float64(b.N), "restore_s")
	b.ReportMetric(float64(size)/1e6, "archive_MB")
	b.ReportMetric(float64(dbSize)/1e6, "db_MB")
	b.ReportMetric(p99(idle), "ingest_p99_ms_idle")
	b.ReportMetric(p99(during), "ingest_p99_ms_during_backup")
	b.ReportMetric(float64(len(during)), "ingested_during_backup")
}
