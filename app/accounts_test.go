package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fieldbase/app/auth"
	"fieldbase/db"
)

// TestAccountRoutesByRole is the role x route table for every accounts route: each caller's expected status.
func TestAccountRoutesByRole(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, adminTok := ta.newUser(t, "admin", true)
	userID, userTok := ta.newUser(t, "mapper", false)
	offID, offTok := ta.newUser(t, "gone", false)
	if _, err := ta.store.UpdateUser(context.Background(), offID, db.UserPatch{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	callers := []struct {
		name  string
		token string
	}{{"anonymous", ""}, {"user", userTok}, {"disabled", offTok}, {"admin", adminTok}}
	newUser := func(name string) string {
		return fmt.Sprintf(`{"username":"%s","password":"long enough pw"}`, name)
	}
	routes := []struct {
		method, url string
		body        func(caller string) string
		want        [4]int // anonymous, user, disabled, admin
	}{
		{"GET", "/api/v1/users/me", nil, [4]int{401, 200, 401, 200}},
		{"GET", "/api/v1/users", nil, [4]int{401, 403, 401, 200}},
		{"POST", "/api/v1/users", func(c string) string { return newUser("new-" + c) }, [4]int{401, 403, 401, 201}},
		{"GET", fmt.Sprintf("/api/v1/users/%d", userID), nil, [4]int{401, 403, 401, 200}},
		{"PATCH", fmt.Sprintf("/api/v1/users/%d", userID), func(string) string { return `{"display_name":"M"}` },
			[4]int{401, 403, 401, 200}},
		{"PUT", "/api/v1/settings", func(string) string {
			return `{"site_name":"Office","default_lock_minutes":60,"max_upload_mb":10}`
		}, [4]int{401, 403, 401, 200}},
		{"GET", "/api/v1/settings", nil, [4]int{200, 200, 200, 200}},
		{"GET", "/api/v1/jobs/1", nil, [4]int{401, 404, 401, 404}},
		{"PUT", "/api/v1/users/me/password", func(string) string {
			return `{"old_password":"wrong password","new_password":"another long one"}`
		}, [4]int{401, 422, 401, 422}},
		{"POST", "/api/v1/auth/tokens", func(string) string {
			return `{"username":"mapper","password":"` + testPassword + `"}`
		}, [4]int{201, 201, 201, 201}},
		{"DELETE", "/api/v1/auth/tokens/current", nil, [4]int{401, 204, 401, 204}},
	}
	for _, r := range routes {
		for i, c := range callers {
			t.Run(r.method+" "+r.url+" "+c.name, func(t *testing.T) {
				var body string
				if r.body != nil {
					body = r.body(c.name)
				}
				req := httptest.NewRequest(r.method, r.url, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if c.token != "" {
					req.Header.Set("Authorization", "Bearer "+c.token)
				}
				resp, got := ta.do(t, req)
				if resp.StatusCode != r.want[i] {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, r.want[i], got)
				}
				if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("error content type %q", resp.Header.Get("Content-Type"))
				}
			})
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.newUser(t, "ana", false)
	var tok TokenOutput
	resp, body := ta.do(t, jsonReq("POST", "/api/v1/auth/tokens", `{"username":"ANA","password":"`+testPassword+`"}`, ""))
	if resp.StatusCode != 201 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	decode(t, body, &tok.Body)
	if !strings.HasPrefix(tok.Body.Token, auth.TokenPrefix) || tok.Body.User.Username != "ana" ||
		tok.Body.ExpiresAt.Before(time.Now().Add(24*time.Hour)) {
		t.Fatalf("token answer %+v", tok.Body)
	}
	me := func(token string) int {
		resp, _ := ta.do(t, jsonReq("GET", "/api/v1/users/me", "", token))
		return resp.StatusCode
	}
	if got := me(tok.Body.Token); got != 200 {
		t.Fatalf("fresh token: %d", got)
	}
	t.Run("WrongPasswordAndUnknownUserSameAnswer", func(t *testing.T) {
		_, a := ta.do(t, jsonReq("POST", "/api/v1/auth/tokens", `{"username":"ana","password":"nope nope nope"}`, ""))
		_, b := ta.do(t, jsonReq("POST", "/api/v1/auth/tokens", `{"username":"nobody","password":"nope nope nope"}`, ""))
		if a != b || !strings.Contains(a, "wrong username or password") {
			t.Fatalf("answers differ or say too much:\n%s\n%s", a, b)
		}
	})
	t.Run("Revoke", func(t *testing.T) {
		if resp, _ := ta.do(t, jsonReq("DELETE", "/api/v1/auth/tokens/current", "", tok.Body.Token)); resp.StatusCode != 204 {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		if got := me(tok.Body.Token); got != 401 {
			t.Fatalf("revoked token: %d", got)
		}
	})
	t.Run("Expired", func(t *testing.T) {
		u, _ := ta.store.UserByUsername(context.Background(), "ana")
		plain, hash, _ := auth.NewToken()
		if _, err := ta.store.CreateCredential(context.Background(), db.Credential{UserID: u.ID, Kind: "token",
			ExpiresAt: time.Now().Add(-time.Second)}, hash); err != nil {
			t.Fatal(err)
		}
		if got := me(plain); got != 401 {
			t.Fatalf("expired token: %d", got)
		}
	})
}

func jsonReq(method, target, body, token string) *http.Request {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func TestPasswordChangeRevokesOthers(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, first := ta.newUser(t, "bo", false)
	_, _, second := loginToken(t, ta, "bo")
	body := `{"old_password":"` + testPassword + `","new_password":"a brand new password"}`
	if resp, got := ta.do(t, jsonReq("PUT", "/api/v1/users/me/password", body, first)); resp.StatusCode != 204 {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	if resp, _ := ta.do(t, jsonReq("GET", "/api/v1/users/me", "", first)); resp.StatusCode != 200 {
		t.Fatalf("the token that changed the password stopped working: %d", resp.StatusCode)
	}
	if resp, _ := ta.do(t, jsonReq("GET", "/api/v1/users/me", "", second)); resp.StatusCode != 401 {
		t.Fatalf("another token still works: %d", resp.StatusCode)
	}
	if resp, _ := ta.do(t, jsonReq("POST", "/api/v1/auth/tokens", `{"username":"bo","password":"a brand new password"}`,
		"")); resp.StatusCode != 201 {
		t.Fatalf("new password refused: %d", resp.StatusCode)
	}
}

func loginToken(t *testing.T, ta *testApp, username string) (int, string, string) {
	t.Helper()
	resp, body := ta.do(t, jsonReq("POST", "/api/v1/auth/tokens",
		`{"username":"`+username+`","password":"`+testPassword+`"}`, ""))
	var out struct {
		Token string `json:"token"`
	}
	decode(t, body, &out)
	return resp.StatusCode, body, out.Token
}

func TestDisableAndLastAdmin(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	adminID, admin := ta.newUser(t, "root", true)
	userID, user := ta.newUser(t, "cyd", false)
	if resp, _ := ta.do(t, jsonReq("PATCH", fmt.Sprintf("/api/v1/users/%d", userID), `{"disabled":true}`, admin)); resp.StatusCode != 200 {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	if resp, _ := ta.do(t, jsonReq("GET", "/api/v1/users/me", "", user)); resp.StatusCode != 401 {
		t.Fatalf("a disabled user's token works: %d", resp.StatusCode)
	}
	if code, _, _ := loginToken(t, ta, "cyd"); code != 401 {
		t.Fatalf("a disabled user logged in: %d", code)
	}
	resp, body := ta.do(t, jsonReq("PATCH", fmt.Sprintf("/api/v1/users/%d", adminID), `{"is_admin":false}`, admin))
	if resp.StatusCode != 409 {
		t.Fatalf("demoting the last admin: %d %s", resp.StatusCode, body)
	}
	ta.run(t, []scenario{
		{name: "ErrUsernameTaken", method: "POST", url: "/api/v1/users", headers: bearer(admin),
			body: `{"username":"CYD","password":"long enough pw"}`, wantStatus: 409,
			wantContain: []string{`"location":"body.username"`}},
		{name: "ErrInvalidFields", method: "POST", url: "/api/v1/users", headers: bearer(admin),
			body: `{"username":"no spaces!","password":"short","email":"nope"}`, wantStatus: 422,
			wantContain: []string{`"location":"body.username"`, `"location":"body.password"`, `"location":"body.email"`}},
		{name: "ErrNoSuchUser", method: "GET", url: "/api/v1/users/9999", headers: bearer(admin), wantStatus: 404},
	})
	if _, total, _ := ta.store.Users(context.Background(), db.UserFilter{Limit: 10}); total != 2 {
		t.Fatalf("refused creations left rows: %d users", total)
	}
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.newUser(t, "dee", false)
	clock := time.Now()
	ta.logins.limiter = auth.NewLimiter(3, time.Minute, func() time.Time { return clock })
	wrong := `{"username":"dee","password":"wrong password"}`
	for i := range 3 {
		if resp, _ := ta.do(t, jsonReq("POST", "/api/v1/auth/tokens", wrong, "")); resp.StatusCode != 401 {
			t.Fatalf("failure %d: %d", i, resp.StatusCode)
		}
	}
	resp, _ := ta.do(t, jsonReq("POST", "/api/v1/auth/tokens", wrong, ""))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("after the limit: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if code, _, _ := loginToken(t, ta, "dee"); code != 429 {
		t.Fatalf("the right password during the lock-out: %d", code)
	}
	clock = clock.Add(61 * time.Second)
	if code, _, _ := loginToken(t, ta, "dee"); code != 201 {
		t.Fatalf("after the window: %d", code)
	}
}

// browser is a cookie-carrying client of the in-process app.
type browser struct {
	t      *testing.T
	ta     *testApp
	cookie string
}

func (b *browser) form(path string, vals url.Values, headers map[string]string) (*http.Response, string) {
	req := httptest.NewRequest("POST", path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req, headers)
}

func (b *browser) get(path string) (*http.Response, string) {
	return b.send(httptest.NewRequest("GET", path, nil), nil)
}

func (b *browser) send(req *http.Request, headers map[string]string) (*http.Response, string) {
	if b.cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: b.cookie})
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, body := b.ta.do(b.t, req)
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			b.cookie = c.Value
		}
	}
	return resp, body
}

func (b *browser) login(username, password string) {
	b.t.Helper()
	resp, body := b.form("/login", url.Values{"username": {username}, "password": {password}}, nil)
	if resp.StatusCode != 303 || b.cookie == "" {
		b.t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
}

func (b *browser) csrf() string {
	_, body := b.get("/account/password")
	i := strings.Index(body, `name="csrf-token" content="`)
	if i < 0 {
		b.t.Fatal("no csrf meta")
	}
	rest := body[i+len(`name="csrf-token" content="`):]
	return rest[:strings.Index(rest, `"`)]
}

func TestSessionsAndCSRF(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.newUser(t, "eve", false)
	b := &browser{t: t, ta: ta}
	resp, body := b.form("/login", url.Values{"username": {"eve"}, "password": {"not it at all"}}, nil)
	if resp.StatusCode != 401 || !strings.Contains(body, "wrong username or password") || !strings.Contains(body, `value="eve"`) {
		t.Fatalf("failed login page: %d", resp.StatusCode)
	}
	if resp, _ := b.form("/login", url.Values{"username": {"eve"}, "password": {testPassword}},
		map[string]string{"Origin": "https://evil.example"}); resp.StatusCode != 403 || b.cookie != "" {
		t.Fatalf("cross-site login: %d", resp.StatusCode)
	}
	b.login("eve", testPassword)
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie && (!c.HttpOnly || c.SameSite != http.SameSiteLaxMode) {
			t.Fatalf("cookie flags: %+v", c)
		}
	}
	if resp, _ := b.get("/api/v1/users/me"); resp.StatusCode != 200 {
		t.Fatalf("session on the API: %d", resp.StatusCode)
	}
	change := url.Values{"old_password": {testPassword}, "new_password": {"a different password"}}
	if resp, _ := b.form("/account/password", change, nil); resp.StatusCode != 403 {
		t.Fatalf("cookie POST without CSRF token: %d", resp.StatusCode)
	}
	req := jsonReq("PUT", "/api/v1/users/me/password",
		`{"old_password":"`+testPassword+`","new_password":"a different password"}`, "")
	if resp, _ := b.send(req, nil); resp.StatusCode != 403 {
		t.Fatalf("cookie API write without CSRF header: %d", resp.StatusCode)
	}
	token := b.csrf()
	change.Set(csrfField, token)
	if resp, body := b.form("/account/password", change, nil); resp.StatusCode != 200 || !strings.Contains(body, "Password changed") {
		t.Fatalf("with CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := b.form("/logout", url.Values{csrfField: {token}}, nil); resp.StatusCode != 303 {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/account/password"); resp.StatusCode != 303 {
		t.Fatalf("after logout the page answers %d, want a redirect to login", resp.StatusCode)
	}
}

func TestUserPages(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.newUser(t, "boss", true)
	ta.newUser(t, "worker", false)
	anon := &browser{t: t, ta: ta}
	if resp, _ := anon.get("/users"); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("anonymous: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	w := &browser{t: t, ta: ta}
	w.login("worker", testPassword)
	if resp, _ := w.get("/users"); resp.StatusCode != 403 {
		t.Fatalf("non-admin: %d", resp.StatusCode)
	}
	b := &browser{t: t, ta: ta}
	b.login("boss", testPassword)
	resp, body := b.get("/users")
	if resp.StatusCode != 200 || !strings.Contains(body, "worker") {
		t.Fatalf("admin list: %d", resp.StatusCode)
	}
	bad := url.Values{"username": {"x"}, "display_name": {"Kept Name"}, "password": {"short"}, csrfField: {b.csrf()}}
	resp, body = b.form("/users", bad, nil)
	if resp.StatusCode != 422 || !strings.Contains(body, `class="field-error"`) || !strings.Contains(body, `value="Kept Name"`) {
		t.Fatalf("invalid form: %d", resp.StatusCode)
	}
	good := url.Values{"username": {"newbie"}, "password": {"long enough pw"}, csrfField: {b.csrf()}}
	if resp, _ := b.form("/users", good, nil); resp.StatusCode != 303 {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	if _, err := ta.store.UserByUsername(context.Background(), "newbie"); err != nil {
		t.Fatal(err)
	}
}

func TestSetupLink(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	token, err := ta.EnableSetup()
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ta: ta}
	if resp, _ := b.get("/setup/wrong"); resp.StatusCode != 404 {
		t.Fatalf("wrong token: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/setup/" + token); resp.StatusCode != 200 {
		t.Fatalf("setup page: %d", resp.StatusCode)
	}
	if resp, _ := b.form("/setup/"+token, url.Values{"username": {"chief"}, "password": {"short"}}, nil); resp.StatusCode != 422 {
		t.Fatalf("invalid setup: %d", resp.StatusCode)
	}
	resp, _ := b.form("/setup/"+token, url.Values{"username": {"chief"}, "password": {"long enough pw"}}, nil)
	if resp.StatusCode != 303 || b.cookie == "" {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/users"); resp.StatusCode != 200 {
		t.Fatalf("the new administrator cannot see users: %d", resp.StatusCode)
	}
	if resp, _ := (&browser{t: t, ta: ta}).form("/setup/"+token, url.Values{"username": {"second"},
		"password": {"long enough pw"}}, nil); resp.StatusCode != 404 {
		t.Fatalf("second use of the link: %d", resp.StatusCode)
	}
}

// TestNoSecretsInDatabase searches the database files for the passwords and tokens the test used.
func TestNoSecretsInDatabase(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, token := ta.newUser(t, "fay", true)
	_, _, second := loginToken(t, ta, "fay")
	b := &browser{t: t, ta: ta}
	b.login("fay", testPassword)
	files, _ := filepath.Glob(filepath.Join(ta.cfg.Data.Dir, db.FileName+"*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{testPassword, token, second, b.cookie} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s contains a secret in clear", filepath.Base(f))
			}
		}
	}
}

func TestSettingsPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.newUser(t, "boss", true)
	ta.newUser(t, "worker", false)
	w := &browser{t: t, ta: ta}
	w.login("worker", testPassword)
	if resp, _ := w.get("/settings"); resp.StatusCode != 403 {
		t.Fatalf("non-admin: %d", resp.StatusCode)
	}
	b := &browser{t: t, ta: ta}
	b.login("boss", testPassword)
	bad := url.Values{"site_name": {"Field office"}, "default_lock_minutes": {"1"}, "max_upload_mb": {"10"},
		csrfField: {b.csrf()}}
	resp, body := b.form("/settings", bad, nil)
	if resp.StatusCode != 422 || !strings.Contains(body, `id="e-default_lock_minutes"`) ||
		!strings.Contains(body, `value="Field office"`) {
		t.Fatalf("invalid settings: %d", resp.StatusCode)
	}
	if s, _ := ta.store.Settings(context.Background()); s.SiteName != "Fieldbase" {
		t.Fatalf("a refused form changed the settings: %+v", s)
	}
	bad.Set("default_lock_minutes", "90")
	if resp, body := b.form("/settings", bad, nil); resp.StatusCode != 200 || !strings.Contains(body, "Settings saved") {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	if _, body := b.get("/"); !strings.Contains(body, "Field office") {
		t.Fatal("the new site name is not shown")
	}
}
