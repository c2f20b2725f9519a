package i18n

import (
	"os"
	"strings"
	"testing"
)

// TestUnfilled: the scripts get each message with its placeholders as written, in every language, so that
// web/static/js/i18n.js can fill them; T with no data would have left them empty.
func TestUnfilled(t *testing.T) {
	c, err := Load(os.DirFS("../../web/i18n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Languages() {
		got := c.Unfilled(l.Tag, "js.in_task")
		if !strings.Contains(got, "{{.Index}}") || !strings.Contains(got, "{{.Accuracy}}") || strings.Contains(got, "no value") {
			t.Errorf("%s: %q", l.Tag, got)
		}
	}
	if got := c.Unfilled("fr", "nav.projects"); got != c.T("fr", "nav.projects", nil) || got == "" {
		t.Errorf("a message without placeholders: %q", got)
	}
}
