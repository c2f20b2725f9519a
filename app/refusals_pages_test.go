package app

import (
	"context"
	"fmt"
	"html"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"fieldbase/app/auth"
	"fieldbase/db"
)

// The forms' refusals in the reader's language: each main form family posted with bad input in French (by
// Accept-Language or by the person's saved choice) and in Arabic shows the catalogue's message beside the field,
// no English, and changes nothing in the database.

// fieldMessage is the message shown beside field in the form posting to action: its paragraph with the id
// e-<field>, or else the first field-error paragraph after the field's control, before the next field or the end
// of the form ("" when there is none).
func fieldMessage(t *testing.T, body, action, field string) string {
	t.Helper()
	var form string
	for rest := body; form == ""; {
		start := strings.Index(rest, `action="`+action+`"`)
		if start < 0 {
			t.Fatalf("no form posting to %s has the field %s", action, field)
		}
		f := rest[start:]
		f = f[:strings.Index(f, "</form>")]
		if strings.Contains(f, `name="`+field+`"`) {
			form = f
		}
		rest = rest[start+1:]
	}
	var msg string
	if i := strings.Index(form, `id="e-`+field+`"`); i >= 0 {
		msg = form[i:]
	} else {
		rest := form[strings.Index(form, `name="`+field+`"`):]
		if next := strings.Index(rest, `<div class="field`); next >= 0 {
			rest = rest[:next]
		}
		j := strings.Index(rest, `class="field-error"`)
		if j < 0 {
			return ""
		}
		msg = rest[j:]
	}
	msg = msg[strings.Index(msg, ">")+1:]
	return html.UnescapeString(msg[:strings.Index(msg, "<")])
}

// wantBeside fails unless the field's message is want, and the English one appears nowhere on the page.
func wantBeside(t *testing.T, body, action, field, want, english string) {
	t.Helper()
	if got := fieldMessage(t, body, action, field); got != want {
		t.Errorf("beside %s: %q, want %q", field, got, want)
	}
	if english != "" && strings.Contains(body, english) {
		t.Errorf("the page still says %q", english)
	}
}

func TestPageRefusalsInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ta := newTestApp(t)
	ta.newUser(t, "admin", true)
	pmID, pmTok := ta.newUser(t, "pm", false)
	ta.newUser(t, "other", false)
	pid := ta.newProject(t, pmTok, "")
	fr := map[string]string{"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
	ar := map[string]string{"Accept-Language": "ar"}

	admin, adminCSRF := ta.pageBrowser(t, "admin")
	pm, pmCSRF := ta.pageBrowser(t, "pm")
	members := fmt.Sprintf("/projects/%d/members", pid)
	teams := fmt.Sprintf("/projects/%d/teams", pid)

	t.Run("Members", func(t *testing.T) {
		resp, body := pm.form(members, url.Values{"csrf_token": {pmCSRF}, "username": {"nobody"}, "role": {"mapper"}}, fr)
		check(t, resp, body, 422, `lang="fr"`)
		wantBeside(t, body, members, "username", "aucun utilisateur ne porte ce nom", "no user has this name")
		resp, body = pm.form(members, url.Values{"csrf_token": {pmCSRF}, "username": {"other"}, "role": {"boss"}}, fr)
		check(t, resp, body, 422)
		wantBeside(t, body, members, "role", "doit être une valeur valide", "must be a valid value")
		list, err := ta.store.Members(ctx, pid)
		if err != nil || len(list) != 1 || list[0].UserID != pmID {
			t.Errorf("members after refused forms: %+v %v", list, err)
		}
	})
	t.Run("MembersArabic", func(t *testing.T) {
		resp, body := pm.form(members, url.Values{"csrf_token": {pmCSRF}, "username": {"nobody"}, "role": {"mapper"}}, ar)
		check(t, resp, body, 422, `lang="ar"`, `dir="rtl"`)
		wantBeside(t, body, members, "username", "لا يوجد مستخدم بهذا الاسم", "no user has this name")
	})
	t.Run("Users", func(t *testing.T) {
		_, before, err := ta.store.Users(ctx, db.UserFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		resp, body := admin.form("/users", url.Values{"csrf_token": {adminCSRF}, "username": {"bad name!"},
			"password": {"short"}, "email": {"not-an-address"}}, fr)
		check(t, resp, body, 422)
		wantBeside(t, body, "/users", "username",
			"ne peut contenir que des minuscules a-z, des chiffres, « . », « _ » et « - »", "may contain only")
		wantBeside(t, body, "/users", "password", fmt.Sprintf("doit compter entre %d et %d caractères",
			auth.MinPasswordLen, auth.MaxPasswordLen), "must be between")
		wantBeside(t, body, "/users", "email", "doit être une adresse e-mail valide", "must be a valid email address")
		resp, body = admin.form("/users", url.Values{"csrf_token": {adminCSRF}, "username": {"other"},
			"password": {testPassword}}, fr)
		check(t, resp, body, 409)
		wantBeside(t, body, "/users", "username", "est déjà pris", "is already taken")
		if _, after, _ := ta.store.Users(ctx, db.UserFilter{Limit: 100}); after != before {
			t.Errorf("%d users after refused forms, %d before", after, before)
		}
	})
	t.Run("Settings", func(t *testing.T) {
		before, err := ta.store.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := admin.form("/settings", url.Values{"csrf_token": {adminCSRF}, "site_name": {""},
			"default_lock_minutes": {"2"}, "max_upload_mb": {"1"}, "base_url": {"ftp://x"}}, fr)
		check(t, resp, body, 422)
		wantBeside(t, body, "/settings", "site_name", "est obligatoire", "")
		wantBeside(t, body, "/settings", "default_lock_minutes", "doit être au moins 5", "must be no less than")
		wantBeside(t, body, "/settings", "base_url", "doit être une adresse comme http://192.168.1.20:8090",
			"must be an address such as")
		after, err := ta.store.Settings(ctx)
		if err != nil || after.SiteName != before.SiteName || after.DefaultLockMinutes != before.DefaultLockMinutes {
			t.Errorf("settings changed by a refused form: %+v, was %+v (%v)", after, before, err)
		}
	})
	t.Run("ProjectCreate", func(t *testing.T) {
		_, before, err := ta.store.Projects(ctx, db.ProjectFilter{IsAdmin: true, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		resp, body := pm.form("/projects", url.Values{"csrf_token": {pmCSRF}, "name": {strings.Repeat("x", 201)},
			"aoi": {squareAOI(t)}}, fr)
		check(t, resp, body, 422)
		wantBeside(t, body, "/projects", "name", "la longueur doit être comprise entre 1 et 200 caractères",
			"the length must be between")
		resp, body = pm.form("/projects", url.Values{"csrf_token": {pmCSRF}, "name": {"Roofs 2"}}, fr)
		check(t, resp, body, 422)
		wantBeside(t, body, "/projects", "aoi", "est obligatoire", "is required")
		if _, after, _ := ta.store.Projects(ctx, db.ProjectFilter{IsAdmin: true, Limit: 100}); after != before {
			t.Errorf("%d projects after refused forms, %d before", after, before)
		}
	})
	t.Run("TeamsBySavedChoice", func(t *testing.T) {
		// No Accept-Language: the person's saved language decides.
		if err := ta.store.SetUserLanguage(ctx, pmID, "fr"); err != nil {
			t.Fatal(err)
		}
		b, csrf := ta.pageBrowser(t, "pm")
		resp, body := b.form(teams, url.Values{"csrf_token": {csrf}, "name": {" "}, "colour": {"red"}}, nil)
		check(t, resp, body, 422, `lang="fr"`)
		wantBeside(t, body, teams, "name", "est obligatoire", "is required")
		wantBeside(t, body, teams, "colour", "doit être une couleur écrite #rrvvbb", "must be a colour written")
		if _, n, err := ta.store.Teams(ctx, pid, 10, 0); err != nil || n != 0 {
			t.Errorf("%d teams after a refused form (%v)", n, err)
		}
		if err := ta.store.SetUserLanguage(ctx, pmID, ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("AccountPassword", func(t *testing.T) {
		b, csrf := ta.pageBrowser(t, "other")
		resp, body := b.form("/account/password", url.Values{"csrf_token": {csrf}, "old_password": {testPassword},
			"new_password": {"short"}}, fr)
		check(t, resp, body, 422)
		wantBeside(t, body, "/account/password", "new_password", "doit compter entre 10 et 256 caractères",
			"must be between")
		resp, body = b.form("/account/password", url.Values{"csrf_token": {csrf}, "old_password": {"wrong password"},
			"new_password": {"a long enough new one"}}, fr)
		check(t, resp, body, 422)
		wantBeside(t, body, "/account/password", "old_password", "n'est pas votre mot de passe actuel",
			"is not your current password")
		(&browser{t: t, ta: ta}).login("other", testPassword) // the password is unchanged
	})
	t.Run("LoginArabic", func(t *testing.T) {
		b := &browser{t: t, ta: ta}
		resp, body := b.form("/login", url.Values{"username": {"other"}, "password": {"wrong password"}}, ar)
		check(t, resp, body, 401, `dir="rtl"`, "اسم المستخدم أو كلمة المرور غير صحيحة")
		if strings.Contains(body, "wrong username or password") {
			t.Error("the login page still says it in English")
		}
	})
	t.Run("BasemapSource", func(t *testing.T) {
		h := map[string]string{"HX-Request": "true", "Accept-Language": "fr"}
		resp, body := pm.form(fmt.Sprintf("/projects/%d/basemaps/estimate", pid), url.Values{"csrf_token": {pmCSRF},
			"source": {"url"}, "url": {"https://tile.openstreetmap.org/{z}/{x}/{y}.png"}, "min_zoom": {"14"},
			"max_zoom": {"15"}, "format": {"pmtiles"}}, h)
		check(t, resp, body, 422, `<p class="field-error" id="e-g-source">tile.openstreetmap.org ne peut pas être utilisé`)
		if strings.Contains(body, "may not be used") {
			t.Error("the basemap form still says it in English")
		}
	})
	t.Run("NewProjectAreaCheck", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/projects/new/aoi", strings.NewReader(`{"type":"Point","coordinates":[1,2]}`))
		req.Header.Set("Content-Type", "application/json")
		resp, body := pm.send(req, map[string]string{"X-CSRF-Token": pmCSRF, "Accept-Language": "fr"})
		check(t, resp, body, 200, `"ok":false`, "Ce fichier ne peut pas servir de zone")
	})
	t.Run("ErrorPage", func(t *testing.T) {
		resp, body := pm.send(httptest.NewRequest("GET", "/projects/99999/members", nil), fr)
		check(t, resp, body, 404, "ce projet n&#39;existe pas")
		if strings.Contains(body, "no such project") {
			t.Error("the error page still says it in English")
		}
	})
	t.Run("APIStaysEnglish", func(t *testing.T) {
		h := bearer(pmTok)
		h["Accept-Language"] = "fr"
		ta.run(t, []scenario{{name: "TeamColour", method: "POST", url: "/api/v1" + teams,
			body: `{"name":"A","colour":"red"}`, headers: h, wantStatus: 422,
			wantContain: []string{`"location":"body.colour"`, "must be a colour written #rrggbb"},
			wantAbsent:  []string{"couleur"}}})
	})
}
