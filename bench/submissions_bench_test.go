package bench

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fieldbase/app/auth"
	"fieldbase/app/config"
	"fieldbase/app/export"
	"fieldbase/db"
)

// benchForm is an XForm with a photo and a long text, so a submission is about 5 KB of XML.
const benchForm = `<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">
<h:head><h:title>Bench</h:title><model><instance><data id="bench" version="1">
<note/><photo/><location/><meta><instanceID/></meta></data></instance>
<bind nodeset="/data/note" type="string"/><bind nodeset="/data/photo" type="binary"/>
<bind nodeset="/data/location" type="geopoint"/></model></h:head><h:body/></h:html>`

func benchSubmission(id string) []byte {
	return []byte(`<data id="bench" version="1"><note>` + strings.Repeat("field notes ", 420) +
		`</note><photo>photo.jpg</photo><location>27.7 85.3 1300 5</location><meta><instanceID>` + id +
		`</instanceID></meta></data>`)
}

// odkProject creates a project with the bench form and a device token, and returns the OpenRosa base URL.
func (ba *benchApp) odkProject(b testing.TB) (projectID int64, odkURL string) {
	b.Helper()
	ctx := context.Background()
	uid, _ := ba.User(b, "pm", "correct horse battery", false)
	p, err := ba.Store.CreateProject(ctx, db.Project{Name: "bench", Visibility: "private", Status: "published",
		AOI: `{"type":"MultiPolygon","coordinates":[]}`, LockMinutes: 60, MaxLocksPerUser: 1, CreatedBy: uid})
	if err != nil {
		b.Fatal(err)
	}
	sum := md5.Sum([]byte(benchForm))
	if _, err := ba.Store.CreateForm(ctx, db.Form{ProjectID: p.ID, FormID: "bench", Version: "1", Title: "Bench",
		XML: []byte(benchForm), MD5: hex.EncodeToString(sum[:])}); err != nil {
		b.Fatal(err)
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ba.Store.CreateCollectToken(ctx, db.CollectToken{ProjectID: p.ID, Name: "phone", TokenHash: hash,
		Nonce: "bench"}); err != nil {
		b.Fatal(err)
	}
	return p.ID, ba.URL + "/odk/" + plain
}

func odkPost(c *http.Client, url string, xml []byte, photo io.Reader) (int, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, _ := mw.CreateFormFile("xml_submission_file", "data.xml")
		_, _ = w.Write(xml)
		w, _ = mw.CreateFormFile("photo.jpg", "photo.jpg")
		_, err := io.Copy(w, photo)
		if err == nil {
			err = mw.Close()
		}
		_ = pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", url+"/submission", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return send(c, req)
}

// send sends a request and drains the answer, returning its status.
func send(c *http.Client, req *http.Request) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// collectBody is a multipart body as ODK Collect sends it (OkHttp knows the length of every part, so it sends a
// Content-Length, not chunks): the submission XML, then the photo. The parts around the XML are built once and
// the photo bytes are shared, so the senders spend their CPU on the network rather than on building bodies.
type collectBody struct {
	contentType   string
	head, between []byte // before the XML; between the XML and the photo
	photo, tail   []byte
}

func newCollectBody(photo []byte) *collectBody {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_, _ = mw.CreateFormFile("xml_submission_file", "data.xml")
	head := bytes.Clone(buf.Bytes())
	buf.Reset()
	_, _ = mw.CreateFormFile("photo.jpg", "photo.jpg")
	between := bytes.Clone(buf.Bytes())
	buf.Reset()
	_ = mw.Close()
	return &collectBody{contentType: mw.FormDataContentType(), head: head, between: between, photo: photo,
		tail: bytes.Clone(buf.Bytes())}
}

func (cb *collectBody) post(c *http.Client, url string, xml []byte) (int, error) {
	parts := [][]byte{cb.head, xml, cb.between, cb.photo, cb.tail}
	readers := make([]io.Reader, len(parts))
	n := 0
	for i, p := range parts {
		readers[i], n = bytes.NewReader(p), n+len(p)
	}
	req, _ := http.NewRequest("POST", url+"/submission", io.MultiReader(readers...))
	req.ContentLength = int64(n)
	req.Header.Set("Content-Type", cb.contentType)
	return send(c, req)
}

// BenchmarkIngestCollect sends b.N OpenRosa submissions (5 KB XML + a 200 KB photo) from 50 concurrent senders
// over HTTP on 127.0.0.1, synchronous=FULL, each fsynced file and commit included. It reports submissions/s and
// the p50/p99 latency.
func BenchmarkIngestCollect(b *testing.B) {
	ba := newBenchApp(b, func(c *config.Config) {
		if s := os.Getenv("FIELDBASE_BENCH_SYNC"); s != "" {
			c.DB.Synchronous = s
		}
	})
	_, base := ba.odkProject(b)
	photo := make([]byte, 200<<10)
	_, _ = rand.Read(photo)
	body := newCollectBody(photo)
	c := client()
	const senders = 50
	var next atomic.Int64
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	b.SetBytes(int64(len(photo) + 5000))
	b.ResetTimer()
	start := time.Now()
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				code, err := body.post(c, base, benchSubmission(fmt.Sprintf("uuid:%d", i)))
				if err != nil || code != http.StatusCreated {
					b.Errorf("submission %d: %d %v", i, code, err)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "submissions/s")
	b.ReportMetric(float64(lat[b.N/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[min(b.N-1, b.N*99/100)].Microseconds())/1000, "p99_ms")
}

// zeroReader yields n zero bytes without holding them.
type zeroReader struct{ n int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

// BenchmarkUpload100MB sends one submission with a 100 MB attachment (streamed by the client) and reports the
// server process's peak heap in use while it is received, against the heap before: it must stay flat.
func BenchmarkUpload100MB(b *testing.B) {
	ba := newBenchApp(b, func(c *config.Config) { c.Submissions.MaxRequestMB = 110; c.Submissions.MaxFileMB = 110 })
	_, base := ba.odkProject(b)
	c := client()
	var peak uint64
	for i := range b.N {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.HeapInuse
		done := make(chan struct{})
		var maxHeap atomic.Uint64
		go func() {
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					if m.HeapInuse > maxHeap.Load() {
						maxHeap.Store(m.HeapInuse)
					}
				}
			}
		}()
		code, err := odkPost(c, base, benchSubmission(fmt.Sprintf("uuid:big-%d", i)), &zeroReader{n: 100 << 20})
		close(done)
		if err != nil || code != http.StatusCreated {
			b.Fatalf("upload: %d %v", code, err)
		}
		if d := maxHeap.Load() - min(before, maxHeap.Load()); d > peak {
			peak = d
		}
	}
	b.SetBytes(100 << 20)
	b.ReportMetric(float64(peak)/(1<<20), "peak_heap_growth_MB")
}

// BenchmarkExportCSV writes the CSV of 100,000 submissions (inserted directly, 5 KB XML each) and reports rows/s.
func BenchmarkExportCSV(b *testing.B) {
	ba := newBenchApp(b, func(c *config.Config) { c.DB.Synchronous = "normal" })
	pid, _ := ba.odkProject(b)
	ctx := context.Background()
	form, err := ba.Store.CurrentForm(ctx, pid, "bench")
	if err != nil {
		b.Fatal(err)
	}
	const total = 100_000
	for start := 0; start < total; start += 5000 {
		err := ba.Store.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			st, err := tx.PrepareContext(ctx, `INSERT INTO submissions (project_id, form_row, form_id, instance_id, xml,
				xml_sha256, created_at, updated_at) VALUES (?, ?, 'bench', ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			now := time.Now().UTC().Format(time.RFC3339)
			for i := start; i < start+5000; i++ {
				id := fmt.Sprintf("uuid:%d", i)
				if _, err := st.ExecContext(ctx, pid, form.ID, id, benchSubmission(id), id, now, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		n, err := export.WriteSubmissionsCSV(ctx, ba.Store, io.Discard, pid, "bench")
		if err != nil || n != total {
			b.Fatalf("%d rows, %v", n, err)
		}
	}
	b.ReportMetric(float64(total*b.N)/time.Since(start).Seconds(), "rows/s")
}
