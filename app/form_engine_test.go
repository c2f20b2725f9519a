package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fieldbase/app/testtool"
	"fieldbase/db"
)

// engineResult is one line of web/tests/xforms_engine_submit.mjs.
type engineResult struct {
	FormID       string   `json:"form_id"`
	Load         string   `json:"load"`
	Error        string   `json:"error"`
	Warnings     string   `json:"warnings"`
	Violations   []string `json:"violations"`
	FillErrors   []string `json:"fill_errors"`
	SubmitStatus int      `json:"submit_status"`
	SubmitBody   string   `json:"submit_body"`
}

// runEngine runs the ODK Web Forms engine script against an OpenRosa server URL and returns its results by form.
func runEngine(t *testing.T, node, script, serverURL string) map[string]engineResult {
	t.Helper()
	cmd := exec.Command(node, script, serverURL)
	cmd.Dir = filepath.Join("..", "web") // node resolves the engine from web/node_modules
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	results := map[string]engineResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r engineResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("engine output %q: %v", sc.Text(), err)
		}
		results[r.FormID] = r
	}
	return results
}

// checkEngine fails unless every form loaded in the engine and its filled instance was accepted (201).
func checkEngine(t *testing.T, results map[string]engineResult, formIDs map[string]string) {
	t.Helper()
	if len(formIDs) == 0 {
		t.Fatal("no forms to check")
	}
	t.Logf("%d forms in the engine", len(formIDs))
	for formID, source := range formIDs {
		r, ok := results[formID]
		switch {
		case !ok:
			t.Errorf("%s (%s): not in the form list the engine read", formID, source)
		case r.Load != "success" && r.Load != "warning":
			t.Errorf("%s (%s): the engine did not load it (%s): %s", formID, source, r.Load, r.Error)
		case r.SubmitStatus != http.StatusCreated:
			t.Errorf("%s (%s): submission answered %d: %s", formID, source, r.SubmitStatus, r.SubmitBody)
		}
		if len(r.FillErrors) > 0 || len(r.Violations) > 0 || r.Warnings != "" {
			t.Logf("%s (%s): engine warnings %s; values refused %v; constraints the test values break %v", formID,
				source, r.Warnings, r.FillErrors, r.Violations)
		}
	}
}

// TestWebFormsEngine loads every fixture XLSForm that pyxform converts, converted and served by Fieldbase, and
// every ready form, in ODK Web Forms' engine (@getodk/xforms-engine under Node.js), fills an instance of each
// and submits it through the OpenRosa route, as a phone would.
func TestWebFormsEngine(t *testing.T) {
	t.Parallel()
	node := testtool.Need(t, "node not found: install Node.js to run the ODK Web Forms engine check", "node")
	script, _ := filepath.Abs(filepath.Join("..", "web", "tests", "xforms_engine_submit.mjs"))
	if _, err := os.Stat(filepath.Join("..", "web", "node_modules", "@getodk", "xforms-engine")); err != nil {
		testtool.Missing(t, "web/node_modules/@getodk/xforms-engine not found: run npm ci in web/")
	}
	fx := filepath.Join(fixturesDir(t), "xlsforms")
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	books, err := filepath.Glob(filepath.Join(fx, "*.pyxform-4.5.0.xml"))
	if err != nil || len(books) == 0 {
		t.Skip("no XLSForm fixtures in ../shared/fixtures/xlsforms")
	}
	converted := map[string]string{}
	for _, ref := range books {
		stem := strings.TrimSuffix(filepath.Base(ref), ".pyxform-4.5.0.xml")
		matches, _ := filepath.Glob(filepath.Join(fx, stem+".xls*"))
		if len(matches) != 1 {
			t.Fatalf("%s: %d workbooks beside it", ref, len(matches))
		}
		name := filepath.Base(matches[0])
		resp, body := ta.upload(t, fmt.Sprintf("/api/v1/projects/%d/forms", fp.id), fp.pm,
			part{"file", name, readFile(t, matches[0])})
		var f FormBody
		decode(t, body, &f)
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("%s: pyxform converts it, Fieldbase answered %d %s", name, resp.StatusCode, body)
			continue
		}
		converted[f.FormID] = name
	}

	p, err := ta.store.CreateProject(context.Background(), db.Project{Name: "Ready", Visibility: "private",
		Status: "published", AOI: `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}`,
		AreaM2: 1, LockMinutes: 60, MaxLocksPerUser: 1, CreatedBy: fp.pmID})
	if err != nil {
		t.Fatal(err)
	}
	ready := formsProject{id: p.ID, pm: fp.pm, pmID: fp.pmID}
	readyIDs := map[string]string{}
	for _, rf := range readyForms() {
		url := fmt.Sprintf("/api/v1/projects/%d/ready-forms/%s", ready.id, rf.Name)
		if resp, body := ta.do(t, jsonRequest("POST", url, "", fp.pm)); resp.StatusCode != http.StatusCreated {
			t.Fatalf("add %s: %d %s", rf.Name, resp.StatusCode, body)
		}
		readyIDs[rf.Name] = "ready form"
	}

	server := ta.listen(t)
	_, token, _ := ta.collectToken(t, fp)
	_, readyToken, _ := ta.collectToken(t, ready)
	t.Run("ConvertedFixtures", func(t *testing.T) {
		checkEngine(t, runEngine(t, node, script, server+"/odk/"+token), converted)
	})
	t.Run("ReadyForms", func(t *testing.T) {
		checkEngine(t, runEngine(t, node, script, server+"/odk/"+readyToken), readyIDs)
	})
}
