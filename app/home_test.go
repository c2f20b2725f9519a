package app

import "testing"

// TestHomeSaysHowToFinishSetup: before the first administrator exists, the home page says how to create one;
// afterwards it does not.
func TestHomeSaysHowToFinishSetup(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.run(t, []scenario{{name: "OK_BeforeFirstAdmin", method: "GET", url: "/", wantStatus: 200,
		wantContain: []string{`id="setup-needed"`, "/setup/", "fieldbase admin create --username NAME --password-stdin"}}})
	ta.newUser(t, "mapper", false)
	ta.run(t, []scenario{{name: "OK_StillNoAdmin", method: "GET", url: "/", wantStatus: 200,
		wantContain: []string{`id="setup-needed"`}}})
	ta.newUser(t, "root", true)
	ta.run(t, []scenario{{name: "OK_AfterFirstAdmin", method: "GET", url: "/", wantStatus: 200,
		wantContain: []string{"Browse projects"}, wantAbsent: []string{`id="setup-needed"`}}})
}
