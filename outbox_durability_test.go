package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"fieldbase/app/testtool"
)

// startChildAt starts `fieldbase serve` on dir as a child process listening on addr (the same address after a
// restart: a browser's outbox belongs to its origin) and answers the command.
func startChildAt(t *testing.T, dir, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FB_TEST_CHILD_ARGS="+strings.Join([]string{"serve", "--dir", dir, "--http", addr}, "\x1f"))
	for k, v := range cheapHashing {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if listening.MatchString(sc.Text()) {
			go func() {
				for sc.Scan() { // keep draining the child's output
				}
			}()
			return cmd
		}
	}
	t.Fatal("the child server did not start")
	return nil
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// submissionTotal answers how many submissions the project has, or -1 when the server does not answer.
func submissionTotal(base, token string, pid int64) int {
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/projects/%d/submissions?per_page=500", base, pid), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var out struct{ Total int }
	if json.NewDecoder(resp.Body).Decode(&out) != nil {
		return -1
	}
	return out.Total
}

// TestKill9WhileOutboxSends kills the server with SIGKILL while a browser's outbox sends 20 submissions with
// 200 KB photos (upload throttled so that the kill falls in the middle), starts it again on the same address and
// reopens the outbox page: every submission arrives exactly once, with its photo byte for byte.
func TestKill9WhileOutboxSends(t *testing.T) {
	exe := testtool.Need(t, "no chromium binary found (install the Debian chromium package; .ci/run does)",
		"chromium", "chromium-browser", "google-chrome", "headless-shell")
	t.Parallel()
	dir := t.TempDir()
	createRoot(t, dir)
	addr := freeAddr(t)
	base := "http://" + addr
	cmd := startChildAt(t, dir, addr)
	token := apiToken(t, base, "root", "a long password")
	var project struct{ ID int64 }
	if code := apiCall(t, "POST", base+"/api/v1/projects", token, `{"name":"Outbox","aoi":{"type":"Polygon",`+
		`"coordinates":[[[85.3,27.7],[85.31,27.7],[85.31,27.71],[85.3,27.71],[85.3,27.7]]]}}`, &project); code != 201 {
		t.Fatalf("create project: %d", code)
	}
	form, err := os.ReadFile(filepath.Join("app", "testdata", "forms", "linked.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", "linked.xml")
	_, _ = w.Write(form)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/projects/%d/forms", base, project.ID), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload form: %v %v", err, resp)
	}
	resp.Body.Close()

	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("no-first-run", true)}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // starts the browser, for the life of ctx
		t.Fatal(err)
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, done := context.WithTimeout(ctx, 60*time.Second)
		defer done()
		if err := chromedp.Do(c, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	ready := chromedp.Poll[bool](`document.body.dataset.outboxReady === "1"`)
	do("log in", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "root"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "a long password"),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	waitTrue := func(step string, a chromedp.Action[bool]) {
		t.Helper()
		c, done := context.WithTimeout(ctx, 60*time.Second)
		defer done()
		if _, err := chromedp.Run(c, a); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	do("outbox", chromedp.Navigate(base+"/outbox"))
	waitTrue("outbox drawn", ready)
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	// 2 MB/s up: a 200 KB photo takes about 100 ms, so the sending lasts about two seconds.
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{DownloadThroughput: -1, UploadThroughput: 2e6}}}); err != nil {
		t.Fatal(err)
	}

	const n = 20
	photo := func(i int) []byte {
		b := bytes.Repeat([]byte{0xff, 0xd8, 0xff, 0xe0}, 50000)
		copy(b[4:], fmt.Sprintf("photo %d", i))
		return b
	}
	var photos []string
	for i := range n {
		photos = append(photos, base64.StdEncoding.EncodeToString(photo(i)))
	}
	ph, _ := json.Marshal(photos)
	enqueue := fmt.Sprintf(`(async () => {
		const photos = %s;
		const csrf = document.querySelector('meta[name="csrf-token"]').content;
		for (let i = 0; i < photos.length; i++) {
			const bytes = Uint8Array.from(atob(photos[i]), c => c.charCodeAt(0));
			const id = "uuid:kill-" + i;
			await fbOutbox.enqueue({instanceId: id, projectId: %d, formId: "linked", formVersion: "3",
				formTitle: "Linked", submitUrl: "/api/v1/projects/%d/submissions", xmlField: "submission_xml",
				attachmentField: "attachments", headers: {"X-CSRF-Token": csrf},
				xml: '<data id="linked" version="3"><task_id/><feature_id/><location/><photo>p.jpg</photo><meta><instanceID>' + id + '</instanceID></meta></data>',
				attachments: [{name: "p.jpg", type: "image/jpeg", blob: new Blob([bytes])}]});
		}
		return true;
	})()`, ph, project.ID, project.ID)
	waitTrue("enqueue", chromedp.Evaluate[bool](enqueue, chromedp.EvalAwaitPromise))

	deadline := time.Now().Add(60 * time.Second)
	atKill := 0
	for atKill < 3 {
		if time.Now().After(deadline) {
			t.Fatal("the outbox did not start sending")
		}
		atKill = submissionTotal(base, token, project.ID)
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown code runs
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if atKill >= n {
		t.Fatalf("all %d were sent before the kill; the kill must fall in the middle", atKill)
	}
	startChildAt(t, dir, addr)
	token = apiToken(t, base, "root", "a long password")
	do("reopen the outbox", chromedp.Navigate(base+"/outbox"))
	waitTrue("outbox drawn again", ready)
	waitTrue("the outbox empties", chromedp.Poll[bool](`(async () => (await fbOutbox.count()) === 0)()`,
		chromedp.WithPollingInterval(100*time.Millisecond)))
	if got := submissionTotal(base, token, project.ID); got != n {
		t.Fatalf("%d submissions after the restart (%d before the kill), want exactly %d", got, atKill, n)
	}
	for i := range n {
		var list struct {
			Items []struct{ ID int64 }
		}
		apiCall(t, "GET", fmt.Sprintf("%s/api/v1/projects/%d/submissions?per_page=500", base, project.ID), token, "", &list)
		if len(list.Items) != n {
			t.Fatalf("listed %d", len(list.Items))
		}
		var sub struct {
			InstanceID  string `json:"instance_id"`
			Attachments []struct{ Name, SHA256 string }
		}
		apiCall(t, "GET", fmt.Sprintf("%s/api/v1/projects/%d/submissions/%d", base, project.ID, list.Items[i].ID), token, "", &sub)
		var k int
		fmt.Sscanf(sub.InstanceID, "uuid:kill-%d", &k)
		sum := sha256.Sum256(photo(k))
		if len(sub.Attachments) != 1 || sub.Attachments[0].SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: attachments %+v", sub.InstanceID, sub.Attachments)
		}
	}
	t.Logf("%d of %d had arrived when the server was killed", atKill, n)
}
