package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"fieldbase/app/i18n"
	"fieldbase/db"
)

// untranslatedJS lists what a page shows in letters outside the pseudo-locale's ⟦ ⟧ markers: its visible text
// (innerText), its title and the aria-label, title, placeholder and alt attributes. allowed are the words that
// come from data (user names, project names), taken out first. Markers nest (a message inside another), so the
// innermost pairs are removed until none is left.
const untranslatedJS = `(() => {
  const allowed = %s;
  // A language's own name (the switcher's options, lang="…") and addresses are not words to translate.
  for (const el of document.querySelectorAll("body [lang]")) { allowed.push(el.textContent.trim()); }
  const strip = s => {
    s = s.replace(/https?:\/\/[^\s⟦⟧]+/g, " "); // an address, not the marker that may close right after it
    for (const a of allowed) { if (a) { s = s.split(a).join(" "); } }
    let prev;
    do { prev = s; s = s.replace(/⟦[^⟦⟧]*⟧/g, " "); } while (s !== prev);
    return s;
  };
  const out = [];
  const words = /\p{L}{2,}/u;
  const text = strip(document.body.innerText);
  for (const line of text.split("\n")) { if (words.test(line)) { out.push("text: " + line.trim().slice(0, 60)); } }
  if (words.test(strip(document.title))) { out.push("title: " + document.title); }
  for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
    if (el.closest(".maplibregl-ctrl-attrib")) { continue; }
    for (const a of ["aria-label", "title", "placeholder", "alt"]) {
      const v = el.getAttribute(a);
      if (v && words.test(strip(v))) { out.push(a + ": " + v.slice(0, 60)); }
    }
  }
  return out.slice(0, 20).join(" | ");
})()`

// noUntranslatedText fails the test when the page in ctx (shown in the pseudo-locale) has words that did not
// come from the catalogues. Pages added later: open them in the pseudo-locale and call this.
func noUntranslatedText(t *testing.T, ctx context.Context, where string, allowed ...string) {
	t.Helper()
	// The site's name and the world map's credit are names.
	raw, err := json.Marshal(append(allowed, "Fieldbase", "Natural Earth", "GeoNames"))
	if err != nil {
		t.Fatal(err)
	}
	if bad := value(t, ctx, "untranslated "+where, chromedp.Evaluate[string](fmt.Sprintf(untranslatedJS, raw))); bad != "" {
		t.Errorf("%s shows words that are not from the catalogues: %s", where, bad)
	}
}

// chooseLanguage uses the footer's switcher, as a person without scripts would: pick, press Change.
func chooseLanguage(t *testing.T, ctx context.Context, tag string) {
	t.Helper()
	run(t, ctx, "switch to "+tag, chromedp.SetValue(chromedp.CSS("#lang-select"), tag),
		chromedp.Click(chromedp.CSS(`.lang-switcher button[type="submit"]`)))
	run(t, ctx, "page in "+tag, chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`html[lang=%q] #lang-select`, tag))))
}

// TestBrowserPseudoLocale walks the main pages in the pseudo-locale en-XA (every English message wrapped in ⟦ ⟧)
// in real Chromium and fails on any visible word outside the markers: a string a page or a script shows that does
// not come from the catalogues. A signed-out visitor picks it with the footer's switcher (a cookie); the signed-in
// administrator has it as their saved choice.
func TestBrowserPseudoLocale(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta := newTestApp(t)
	base := ta.listen(t)
	adminID, adminToken := ta.newUser(t, "ada", true)
	project := ta.publishedProject(t, adminToken, `,"description":"Map every roof","instructions":"Walk the streets"`)
	if _, err := ta.store.SetMember(context.Background(), project, adminID, "project_manager"); err != nil {
		t.Fatal(err)
	}
	// A team with ada in it and a task assigned to it: the teams page, my tasks, the project page's team legend
	// and assign panel (ada manages the project) all show.
	team, err := ta.store.CreateTeam(context.Background(), project, "Northside", "#0072b2", []int64{adminID})
	if err != nil {
		t.Fatal(err)
	}
	assignTeam(t, base, adminToken, project, team.ID)
	watch := &pageWatch{host: base[len("http://"):]}
	defer watch.check(t)
	browser := newBrowser(t, exe)
	visitor := tab(t, browser, watch, "visitor")
	data := []string{"ada", "Roofs", "Map every roof", "Walk the streets", "Northside"}

	run(t, visitor, "home", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#lang-select")))
	chooseLanguage(t, visitor, i18n.PseudoTag)
	noUntranslatedText(t, visitor, "home", data...)
	run(t, visitor, "login", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")))
	noUntranslatedText(t, visitor, "login", data...)

	if err := ta.store.SetUserLanguage(context.Background(), adminID, i18n.PseudoTag); err != nil {
		t.Fatal(err)
	}
	// Notifications of two kinds from another person (nobody is told of their own acts), so that the notifications
	// page lists their sentences and the bell counts them.
	benID, _ := ta.newUser(t, "ben", false)
	data = append(data, "ben")
	if err := ta.store.Notify(context.Background(), []db.Notice{
		{UserID: adminID, Kind: db.NoticeTaskAssigned, ProjectID: project, TaskIndex: 1, ActorID: benID},
		{UserID: adminID, Kind: db.NoticeMention, ProjectID: project, TaskIndex: 2, ActorID: benID,
			Params: map[string]string{"comment": "Walk the streets"}},
	}); err != nil {
		t.Fatal(err)
	}
	admin := tab(t, browser, watch, "admin")
	run(t, admin, "admin login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "ada"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	p := fmt.Sprintf("/projects/%d", project)
	for _, pg := range []struct{ path, ready string }{
		{"/projects", ".project-card"},
		{p + "/forms", "#form-upload"},
		{p + "/submissions", "#submission-table"},
		{p + "/members", "#f-username"},
		{p + "/devices", "#f-name"},
		{p + "/teams", ".team-card"},
		{p + "/my-tasks", "table.my-tasks"},
		{"/settings", "#f-site_name"},
		{"/account/password", "#f-lang"},
		{"/users", "table"},
		{"/projects/new", "#f-name"},
		{"/notifications", "#notification-list"},
		{"/account/notifications", "#np-heading"},
	} {
		run(t, admin, pg.path, chromedp.Navigate(base+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.ready)))
		if lang := value(t, admin, "lang", chromedp.Evaluate[string](`document.documentElement.lang`)); lang != i18n.PseudoTag {
			t.Fatalf("%s is in %q, want the saved choice %s", pg.path, lang, i18n.PseudoTag)
		}
		noUntranslatedText(t, admin, pg.path, data...)
	}
	run(t, admin, "project", chromedp.Navigate(base+p), waitJS(`window.fbProject && window.fbProject.ready === true`))
	noUntranslatedText(t, admin, "project page", data...)
	run(t, admin, "assign panel open", chromedp.Click(chromedp.CSS("#select-mode")),
		chromedp.WaitVisible(chromedp.CSS("#assign-form")))
	noUntranslatedText(t, admin, "project page with the assign panel", data...)
	run(t, admin, "assign panel closed", chromedp.Click(chromedp.CSS("#select-mode")),
		chromedp.WaitNotVisible(chromedp.CSS("#assign-form")))
	clickTask(t, admin)
	noUntranslatedText(t, admin, "task panel", data...)
	panelAction(t, admin, "lock_for_mapping", "⟦Locked for mapping⟧")
	noUntranslatedText(t, admin, "task panel after locking", data...)
}

// TestBrowserArabicRightToLeft: the project page in Arabic is right to left (dir=rtl on <html>, the side panel
// on the left of the map) and at 360 px does not scroll sideways; the map keeps its left-to-right canvas.
func TestBrowserArabicRightToLeft(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta := newTestApp(t)
	base := ta.listen(t)
	adminID, adminToken := ta.newUser(t, "ada", true)
	project := ta.publishedProject(t, adminToken, "")
	if err := ta.store.SetUserLanguage(context.Background(), adminID, "ar"); err != nil {
		t.Fatal(err)
	}
	watch := &pageWatch{host: base[len("http://"):]}
	defer watch.check(t)
	shot := shooter(t)
	browser := newBrowser(t, exe)
	admin := tab(t, browser, watch, "admin")
	run(t, admin, "admin login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "ada"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	p := fmt.Sprintf("%s/projects/%d", base, project)
	run(t, admin, "project", chromedp.Navigate(p), waitJS(`window.fbProject && window.fbProject.ready === true`))
	if dir := value(t, admin, "dir", chromedp.Evaluate[string](`document.documentElement.dir + " " + document.documentElement.lang`)); dir != "rtl ar" {
		t.Fatalf("<html> is %q, want rtl ar", dir)
	}
	if side := value(t, admin, "panel side", chromedp.Evaluate[bool](
		`document.getElementById("side-panel").getBoundingClientRect().left < document.getElementById("map").getBoundingClientRect().left`)); !side {
		t.Error("the side panel is not on the left of the map in a right-to-left page")
	}
	if d := value(t, admin, "map dir", chromedp.Evaluate[string](`getComputedStyle(document.getElementById("map")).direction`)); d != "ltr" {
		t.Errorf("the map is %s, want ltr", d)
	}
	if h := value(t, admin, "heading", chromedp.Text(chromedp.CSS("#progress-heading"))); h != "التقدّم" {
		t.Errorf("progress heading %q, want the Arabic", h)
	}
	run(t, admin, "painted", waitJS(`fbProject.painted > 0`))
	shot(admin, "project-ar")
	run(t, admin, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(p), waitJS(`window.fbProject && window.fbProject.ready === true`))
	defer run(t, admin, "desktop viewport", chromedp.EmulateReset())
	if w := value(t, admin, "width", chromedp.Evaluate[[]int](`[document.scrollingElement.scrollWidth, innerWidth]`)); w[0] > w[1] {
		t.Errorf("the Arabic project page is %d px wide at %d px: it scrolls sideways", w[0], w[1])
	}
	noSideways(t, admin, "Arabic project page")
	run(t, admin, "painted phone", waitJS(`fbProject.painted > 0`))
	shot(admin, "project-ar-phone")

	// Back to left to right: the same page in French, chosen with the footer's switcher.
	run(t, admin, "desktop again", chromedp.EmulateViewport(1280, 850))
	chooseLanguage(t, admin, "fr")
	run(t, admin, "french map", waitJS(`window.fbProject && window.fbProject.ready === true`))
	if dir := value(t, admin, "dir fr", chromedp.Evaluate[string](`document.documentElement.dir`)); dir != "ltr" {
		t.Errorf("the French page is %q, want ltr", dir)
	}
	if h := value(t, admin, "heading fr", chromedp.Text(chromedp.CSS("#progress-heading"))); h != "Avancement" {
		t.Errorf("progress heading %q, want the French", h)
	}
	run(t, admin, "painted fr", waitJS(`fbProject.painted > 0`))
	shot(admin, "project-fr")
	run(t, admin, "phone fr", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(p), waitJS(`window.fbProject && window.fbProject.ready === true`))
	noSideways(t, admin, "French project page")
	run(t, admin, "painted fr phone", waitJS(`fbProject.painted > 0`))
	shot(admin, "project-fr-phone")
}

// assignTeam assigns task 1 of the project to the team through the API, as a field manager would.
func assignTeam(t *testing.T, base, token string, project, team int64) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/projects/%d/tasks/assign", base, project),
		strings.NewReader(fmt.Sprintf(`{"task_indexes":[1],"team_id":%d}`, team)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"changed":[1]`) {
		t.Fatalf("assign: %d %s", res.StatusCode, body)
	}
}

// TestBrowserTeamsArabic: the teams page, my tasks and the assign panel in Arabic (right to left) and French on a
// 360 px phone are in the page's language and do not scroll sideways.
func TestBrowserTeamsArabic(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta := newTestApp(t)
	base := ta.listen(t)
	adminID, adminToken := ta.newUser(t, "ada", true)
	project := ta.publishedProject(t, adminToken, "")
	if _, err := ta.store.SetMember(context.Background(), project, adminID, "project_manager"); err != nil {
		t.Fatal(err)
	}
	team, err := ta.store.CreateTeam(context.Background(), project, "Northside", "#0072b2", []int64{adminID})
	if err != nil {
		t.Fatal(err)
	}
	assignTeam(t, base, adminToken, project, team.ID)
	if err := ta.store.SetUserLanguage(context.Background(), adminID, "ar"); err != nil {
		t.Fatal(err)
	}
	watch := &pageWatch{host: base[len("http://"):]}
	defer watch.check(t)
	shot := shooter(t)
	browser := newBrowser(t, exe)
	admin := tab(t, browser, watch, "admin")
	run(t, admin, "admin login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "ada"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	run(t, admin, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	defer run(t, admin, "desktop viewport", chromedp.EmulateReset())
	p := fmt.Sprintf("%s/projects/%d", base, project)
	for _, lang := range []struct{ tag, teams, mine, assign string }{
		{"ar", "فرق «Roofs»", "مهامي في «Roofs»", "إسناد المهام"},
		{"fr", "Équipes de « Roofs »", "Mes tâches dans « Roofs »", "Attribuer des tâches"},
	} {
		if lang.tag != "ar" {
			chooseLanguage(t, admin, lang.tag)
		}
		run(t, admin, "teams "+lang.tag, chromedp.Navigate(p+"/teams"), chromedp.WaitVisible(chromedp.CSS(".team-card")))
		if h := value(t, admin, "teams heading", chromedp.Text(chromedp.CSS("h1"))); h != lang.teams {
			t.Errorf("teams heading %q, want %q", h, lang.teams)
		}
		noSideways(t, admin, lang.tag+" teams page")
		run(t, admin, "team details "+lang.tag, chromedp.Click(chromedp.CSS(".team-card summary")))
		noSideways(t, admin, lang.tag+" teams page with a team's form open")
		shot(admin, "teams-"+lang.tag+"-phone")
		run(t, admin, "my tasks "+lang.tag, chromedp.Navigate(p+"/my-tasks"), chromedp.WaitVisible(chromedp.CSS("table.my-tasks")))
		if h := value(t, admin, "my tasks heading", chromedp.Text(chromedp.CSS("h1"))); h != lang.mine {
			t.Errorf("my tasks heading %q, want %q", h, lang.mine)
		}
		noSideways(t, admin, lang.tag+" my tasks page")
		shot(admin, "my-tasks-"+lang.tag+"-phone")
		run(t, admin, "project "+lang.tag, chromedp.Navigate(p), waitJS(`window.fbProject && window.fbProject.ready === true`))
		if h := value(t, admin, "assign heading", chromedp.Text(chromedp.CSS("#assign-heading"))); h != lang.assign {
			t.Errorf("assign heading %q, want %q", h, lang.assign)
		}
		noSideways(t, admin, lang.tag+" project page with the assign panel")
	}
}

// TestBrowserNotificationsTranslated: the notifications list and settings pages in Arabic (right to left) and
// French at 360 px: the headings, the notification sentences and the kinds are in the page's language, and
// neither page scrolls sideways.
func TestBrowserNotificationsTranslated(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta := newTestApp(t)
	base := ta.listen(t)
	adaID, adaToken := ta.newUser(t, "ada", true)
	project := ta.publishedProject(t, adaToken, "")
	benID, _ := ta.newUser(t, "ben", false)
	if err := ta.store.Notify(context.Background(), []db.Notice{
		{UserID: adaID, Kind: db.NoticeTaskAssigned, ProjectID: project, TaskIndex: 1, ActorID: benID},
		{UserID: adaID, Kind: db.NoticeMention, ProjectID: project, TaskIndex: 2, ActorID: benID,
			Params: map[string]string{"comment": "@ada look at the river"}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := ta.store.SetUserLanguage(context.Background(), adaID, "ar"); err != nil {
		t.Fatal(err)
	}
	watch := &pageWatch{host: base[len("http://"):]}
	defer watch.check(t)
	browser := newBrowser(t, exe)
	ctx := tab(t, browser, watch, "ada")
	shot := shooter(t)
	run(t, ctx, "login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "ada"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	defer run(t, ctx, "desktop viewport", chromedp.EmulateReset())
	for _, c := range []struct{ lang, dir, heading, sentence, settings, kind, bell string }{
		{"ar", "rtl", "الإشعارات", "أسند ben إليك المهمة 1 من Roofs", "إعدادات الإشعارات", "تُسند إليّ مهمة",
			"إشعارات غير مقروءة: 2"},
		{"fr", "ltr", "Notifications", "ben vous a assigné la tâche 1 de Roofs", "Réglages des notifications",
			"Une tâche m'est assignée", "Notifications non lues : 2"},
	} {
		if c.lang == "fr" {
			chooseLanguage(t, ctx, "fr")
		}
		run(t, ctx, "list "+c.lang, chromedp.Navigate(base+"/notifications"),
			chromedp.WaitVisible(chromedp.CSS("#notification-list")))
		if dir := value(t, ctx, "dir", chromedp.Evaluate[string](`document.documentElement.dir`)); dir != c.dir {
			t.Errorf("%s: dir %q, want %q", c.lang, dir, c.dir)
		}
		if h := value(t, ctx, "heading", chromedp.Text(chromedp.CSS("#n-heading"))); h != c.heading {
			t.Errorf("%s: heading %q, want %q", c.lang, h, c.heading)
		}
		if text := value(t, ctx, "list", chromedp.Text(chromedp.CSS("#notification-list"))); !strings.Contains(text, c.sentence) ||
			!strings.Contains(text, "@ada look at the river") {
			t.Errorf("%s: the list lacks %q:\n%s", c.lang, c.sentence, text)
		}
		// The bell's label, as notify.js sets it from the live count.
		run(t, ctx, "bell label "+c.lang, waitJS(`document.querySelector("a.nav-bell").dataset.unread === "2" && `+
			`document.querySelector("a.nav-bell").getAttribute("aria-label") === `+strconv.Quote(c.bell)))
		noSideways(t, ctx, c.lang+" notifications page")
		shot(ctx, "notifications-"+c.lang+"-phone")
		run(t, ctx, "settings "+c.lang, chromedp.Navigate(base+"/account/notifications"),
			chromedp.WaitVisible(chromedp.CSS("#np-heading")))
		if h := value(t, ctx, "settings heading", chromedp.Text(chromedp.CSS("#np-heading"))); h != c.settings {
			t.Errorf("%s: settings heading %q, want %q", c.lang, h, c.settings)
		}
		if k := value(t, ctx, "kinds", chromedp.Text(chromedp.CSS(".notice-kinds"))); !strings.Contains(k, c.kind) {
			t.Errorf("%s: the kinds lack %q:\n%s", c.lang, c.kind, k)
		}
		noSideways(t, ctx, c.lang+" notification settings page")
		shot(ctx, "notification-settings-"+c.lang+"-phone")
	}
}
