package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"fieldbase/db"
)

// langOf is the lang attribute of a page's <html>.
func langOf(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `<html lang="`)
	if i < 0 {
		t.Fatalf("no <html lang>: %.200s", body)
	}
	rest := body[i+len(`<html lang="`):]
	return rest[:strings.Index(rest, `"`)]
}

// TestLanguageChoice: the saved preference wins over Accept-Language, which wins over the instance default; the
// footer's switcher works signed out (a cookie) and signed in (the saved preference), and refuses a language the
// server does not have without changing anything.
func TestLanguageChoice(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ctx := context.Background()
	page := func(accept string, cookies ...*http.Cookie) string {
		req := httptest.NewRequest("GET", "/login", nil)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, body := ta.do(t, req)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return body
	}
	t.Run("OK_EnglishWithoutAnyChoice", func(t *testing.T) {
		if got := langOf(t, page("")); got != "en" {
			t.Errorf("lang %q, want en", got)
		}
	})
	t.Run("OK_AcceptLanguageMatched", func(t *testing.T) {
		body := page("pt-BR,pt;q=0.9,en;q=0.5")
		if got := langOf(t, body); got != "pt" || !strings.Contains(body, "Iniciar sessão") {
			t.Errorf("lang %q, want pt with Portuguese words", got)
		}
		if got := langOf(t, page("ar-EG")); got != "ar" || !strings.Contains(page("ar-EG"), `dir="rtl"`) {
			t.Errorf("ar-EG gave %q, want ar right to left", got)
		}
	})
	t.Run("OK_DefaultWhenBrowserAsksForNoneWeHave", func(t *testing.T) {
		s, err := ta.store.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.DefaultLanguage = "fr"
		if _, err := ta.store.SaveSettings(ctx, s); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			s.DefaultLanguage = ""
			_, _ = ta.store.SaveSettings(ctx, s)
		})
		if got := langOf(t, page("de-DE,de;q=0.9")); got != "fr" {
			t.Errorf("lang %q, want the default fr", got)
		}
		if got := langOf(t, page("es")); got != "es" {
			t.Errorf("Accept-Language es gave %q: the browser's choice comes before the default", got)
		}
	})
	t.Run("OK_SwitcherSignedOutSetsCookie", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/language", strings.NewReader(url.Values{"lang": {"sw"},
			"next": {"/projects"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, body := ta.do(t, req)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/projects" {
			t.Fatalf("switch: %d %s", resp.StatusCode, body)
		}
		var ck *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == langCookie {
				ck = c
			}
		}
		if ck == nil || ck.Value != "sw" {
			t.Fatalf("no lang cookie: %v", resp.Cookies())
		}
		if got := langOf(t, page("fr", ck)); got != "sw" {
			t.Errorf("with the cookie: %q, want sw before Accept-Language", got)
		}
	})
	t.Run("Invalid_UnknownLanguageRefused", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/language", strings.NewReader("lang=xx-YY&next=/"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, _ := ta.do(t, req)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("status %d, want 422", resp.StatusCode)
		}
		for _, c := range resp.Cookies() {
			if c.Name == langCookie {
				t.Errorf("a refused choice set the cookie %q", c.Value)
			}
		}
	})
	t.Run("OK_SavedPreferenceWins", func(t *testing.T) {
		_, token := ta.newUser(t, "nima", false)
		b, csrf := ta.pageBrowser(t, "nima")
		resp, body := b.form("/language", url.Values{"lang": {"ne"}, "next": {"/account/password"},
			"csrf_token": {csrf}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch: %d %s", resp.StatusCode, body)
		}
		_, body = b.send(httptest.NewRequest("GET", "/account/password", nil), map[string]string{"Accept-Language": "ar"})
		if got := langOf(t, body); got != "ne" {
			t.Errorf("signed in with a saved choice: %q, want ne over Accept-Language ar", got)
		}
		// The API reads and changes the same choice.
		ta.run(t, []scenario{
			{name: "OK_APIReadsChoice", method: "GET", url: "/api/v1/users/me/language", headers: bearer(token),
				wantStatus: 200, wantContain: []string{`"language":"ne"`, `"tag":"ar"`, `"rtl":true`}},
			{name: "Invalid_APIUnknown", method: "PUT", url: "/api/v1/users/me/language", headers: bearer(token),
				body: `{"language":"tlh"}`, wantStatus: 422, wantContain: []string{"language"}},
			{name: "OK_APIChanges", method: "PUT", url: "/api/v1/users/me/language", headers: bearer(token),
				body: `{"language":"es"}`, wantStatus: 200, wantContain: []string{`"language":"es"`}},
			{name: "Unauthorized", method: "GET", url: "/api/v1/users/me/language", wantStatus: 401},
		})
		_, body = b.send(httptest.NewRequest("GET", "/account/password", nil), map[string]string{"Accept-Language": "ar"})
		if got := langOf(t, body); got != "es" {
			t.Errorf("after the API change: %q, want es", got)
		}
		// Automatic again: the browser decides.
		b.form("/language", url.Values{"lang": {""}, "next": {"/"}, "csrf_token": {csrf}}, nil)
		_, body = b.send(httptest.NewRequest("GET", "/account/password", nil), map[string]string{"Accept-Language": "ar"})
		if got := langOf(t, body); got != "ar" {
			t.Errorf("after choosing automatic: %q, want the browser's ar", got)
		}
	})
	t.Run("Invalid_SettingsDefaultUnknown", func(t *testing.T) {
		_, admin := ta.newUser(t, "root", true)
		ta.run(t, []scenario{{name: "PutUnknownDefault", method: "PUT", url: "/api/v1/settings", headers: bearer(admin),
			body:       `{"site_name":"X","default_lock_minutes":60,"max_upload_mb":10,"default_language":"zz"}`,
			wantStatus: 422, wantContain: []string{"default_language"}}})
		s, err := ta.store.Settings(ctx)
		if err != nil || s.DefaultLanguage == "zz" {
			t.Errorf("a refused default was saved: %+v %v", s, err)
		}
	})
	// T works outside pages (e-mails): the catalogue's words in the language asked for.
	if got := ta.T("fr", "task.heading", map[string]any{"Index": 3}); got != "Tâche 3" {
		t.Errorf("T = %q", got)
	}
	_ = db.ErrNotFound
}
