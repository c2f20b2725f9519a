package app

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// logLine returns the access log line of the request with id rid, decoded.
func logLine(t *testing.T, logs *lockedBuffer, rid string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["request_id"] == rid {
			return m
		}
	}
	t.Fatalf("no access log line for %s in:\n%s", rid, logs.String())
	return nil
}

// TestAccessLog: each request's line carries its id, route pattern, status, duration and the signed-in user,
// and never a credential: not a bearer token, a password, nor an ODK device token in the path or the query.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	var logs lockedBuffer
	ta.log = slog.New(slog.NewJSONHandler(&logs, nil))
	fp := ta.formsProject(t)
	uid, token := ta.newUser(t, "logged", false)
	_, device, _ := ta.collectToken(t, fp)

	tests := []struct {
		name, method, url, body, token string
		wantRoute                      string
		wantStatus                     float64
		wantUser                       int64 // 0: no user_id field
		secrets                        []string
	}{
		{"SignedIn", "GET", "/api/v1/users/me", "", token, "/api/v1/users/me", 200, uid, []string{token}},
		{"Login", "POST", "/api/v1/auth/tokens", `{"username":"logged","password":"` + testPassword + `"}`, "",
			"/api/v1/auth/tokens", 201, 0, []string{testPassword}},
		{"ODK", "GET", "/odk/" + device + "/formList?secret=s3cr3t", "", "", "/odk/:token/formList", 200, 0,
			[]string{device, "s3cr3t"}},
		{"Unmatched", "GET", "/no/such/" + device, "", "", "unmatched", 404, 0, []string{device}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rid := fmt.Sprintf("log-test-%d", i)
			req := jsonRequest(tt.method, tt.url, tt.body, tt.token)
			if tt.body == "" {
				req = httptest.NewRequest(tt.method, tt.url, nil)
				if tt.token != "" {
					req.Header.Set("Authorization", "Bearer "+tt.token)
				}
			}
			req.Header.Set("X-Request-Id", rid)
			ta.do(t, req)
			line := logLine(t, &logs, rid)
			if line["route"] != tt.wantRoute || line["status"] != tt.wantStatus || line["duration"] == nil {
				t.Errorf("line = %v, want route %s status %v and a duration", line, tt.wantRoute, tt.wantStatus)
			}
			if got, ok := line["user_id"].(float64); int64(got) != tt.wantUser || ok != (tt.wantUser != 0) {
				t.Errorf("user_id = %v, want %d", line["user_id"], tt.wantUser)
			}
			all := logs.String()
			for _, s := range tt.secrets {
				if strings.Contains(all, s) {
					t.Errorf("the log holds %q:\n%s", s, all)
				}
			}
		})
	}
}
