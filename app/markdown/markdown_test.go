package markdown

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"OK_Empty", "", ""},
		{"OK_BlankLinesOnly", "\n  \n\t\n", ""},
		{"OK_Paragraph", "Map every roof.", "<p>Map every roof.</p>\n"},
		{"OK_Paragraphs", "One.\n\nTwo.", "<p>One.</p>\n<p>Two.</p>\n"},
		{"OK_LineBreak", "Walk north.\nThen east.", "<p>Walk north.<br>\nThen east.</p>\n"},
		{"OK_WindowsLineEnds", "a\r\nb\r\n\r\nc", "<p>a<br>\nb</p>\n<p>c</p>\n"},
		{"OK_HeadingShiftedDown", "# Before you go", "<h3>Before you go</h3>\n"},
		{"OK_HeadingLevels", "## Two\n###### Six", "<h4>Two</h4>\n<h6>Six</h6>\n"},
		{"OK_HeadingClosingHashes", "## Safety ##", "<h4>Safety</h4>\n"},
		{"OK_HashWithoutSpaceIsText", "#mapathon", "<p>#mapathon</p>\n"},
		{"OK_HeadingEndsParagraph", "Intro\n# Title\nBody", "<p>Intro</p>\n<h3>Title</h3>\n<p>Body</p>\n"},
		{"OK_Emphasis", "*one* and _two_", "<p><em>one</em> and <em>two</em></p>\n"},
		{"OK_Strong", "**one** and __two__", "<p><strong>one</strong> and <strong>two</strong></p>\n"},
		{"OK_Nested", "**a *b* c**", "<p><strong>a <em>b</em> c</strong></p>\n"},
		{"OK_EmphasisAroundStrong", "*a **b** c*", "<p><em>a <strong>b</strong> c</em></p>\n"},
		{"OK_SnakeCaseStaysText", "lock_for_mapping and has_issues", "<p>lock_for_mapping and has_issues</p>\n"},
		{"OK_UnclosedStarsStayText", "2 * 3 = 6, **not bold", "<p>2 * 3 = 6, **not bold</p>\n"},
		{"OK_StarBeforeSpaceOpensNothing", "a * b *", "<p>a * b *</p>\n"},
		{"OK_Code", "Type `fieldbase serve`", "<p>Type <code>fieldbase serve</code></p>\n"},
		{"OK_CodeKeepsStarsAndTags", "`*x* <b>`", "<p><code>*x* &lt;b&gt;</code></p>\n"},
		{"OK_DoubleBacktickCode", "``a ` b``", "<p><code>a ` b</code></p>\n"},
		{"OK_UnclosedBacktick", "a ` b", "<p>a ` b</p>\n"},
		{"OK_BackslashEscapes", `\*not em\* and \[not a link\]`, "<p>*not em* and [not a link]</p>\n"},
		{"OK_Bullets", "- roofs\n* walls\n+ doors", "<ul>\n<li>roofs</li>\n<li>walls</li>\n<li>doors</li>\n</ul>\n"},
		{"OK_Numbers", "1. lock\n2. map", "<ol>\n<li>lock</li>\n<li>map</li>\n</ol>\n"},
		{"OK_NumbersStartAt", "3. three\n4) four", "<ol start=\"3\">\n<li>three</li>\n<li>four</li>\n</ol>\n"},
		{"OK_ListAfterParagraph", "Steps:\n- a\n- b", "<p>Steps:</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"},
		{"OK_ListItemContinues", "- first line\n  second line\n- next", "<ul>\n<li>first line<br>\nsecond line</li>\n<li>next</li>\n</ul>\n"},
		{"OK_ListThenParagraph", "- a\n\nAfter.", "<ul>\n<li>a</li>\n</ul>\n<p>After.</p>\n"},
		{"OK_BulletsThenNumbers", "- a\n1. b", "<ul>\n<li>a</li>\n</ul>\n<ol>\n<li>b</li>\n</ol>\n"},
		{"OK_StrongAtLineStartIsNoBullet", "**Note** this", "<p><strong>Note</strong> this</p>\n"},
		{"OK_ListItemInline", "- **roofs** with `building=yes`", "<ul>\n<li><strong>roofs</strong> with <code>building=yes</code></li>\n</ul>\n"},
		{"OK_Link", "[the guide](https://example.org/a?b=1&c=2)",
			`<p><a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener">the guide</a></p>` + "\n"},
		{"OK_LinkWithParentheses", "[x](https://en.wikipedia.org/wiki/Roof_(building))",
			`<p><a href="https://en.wikipedia.org/wiki/Roof_(building)" target="_blank" rel="noopener">x</a></p>` + "\n"},
		{"OK_MailtoLink", "[write us](mailto:team@example.org)",
			`<p><a href="mailto:team@example.org" target="_blank" rel="noopener">write us</a></p>` + "\n"},
		{"OK_LinkTextInline", "[**big** guide](http://example.org)",
			`<p><a href="http://example.org" target="_blank" rel="noopener"><strong>big</strong> guide</a></p>` + "\n"},
		{"OK_BracketsWithoutAddress", "[draft] notes", "<p>[draft] notes</p>\n"},
		{"OK_AutolinkDropsFinalDot", "See https://example.org/guide.",
			`<p>See <a href="https://example.org/guide" target="_blank" rel="noopener">https://example.org/guide</a>.</p>` + "\n"},
		{"OK_AutolinkInParentheses", "(https://example.org)",
			`<p>(<a href="https://example.org" target="_blank" rel="noopener">https://example.org</a>)</p>` + "\n"},
		{"OK_HttpWordIsText", "http is a protocol, https:// alone too", "<p>http is a protocol, https:// alone too</p>\n"},
		{"OK_Ampersand", "Tom & Jerry's \"roofs\"", "<p>Tom &amp; Jerry&#39;s &#34;roofs&#34;</p>\n"},
		{"OK_EntityShownAsTyped", "&lt;b&gt;", "<p>&amp;lt;b&amp;gt;</p>\n"},

		{"XSS_ScriptTag", "<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"},
		{"XSS_ImgOnerror", `<img src=x onerror="alert(1)">`, "<p>&lt;img src=x onerror=&#34;alert(1)&#34;&gt;</p>\n"},
		{"XSS_JavascriptLink", "[x](javascript:alert(1))", "<p>x</p>\n"},
		{"XSS_JavascriptLinkMixedCase", "[x](JaVaScRiPt:alert(1))", "<p>x</p>\n"},
		{"XSS_JavascriptLinkSpaced", "[x]( javascript:alert(1))", "<p>[x]( javascript:alert(1))</p>\n"},
		{"XSS_EncodedJavascriptLink", "[x](&#106;avascript:alert(1))", "<p>x</p>\n"},
		{"XSS_DataLink", "[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>x</p>\n"},
		{"XSS_VBScriptLink", "[x](vbscript:msgbox)", "<p>x</p>\n"},
		{"XSS_ProtocolRelativeLink", "[x](//evil.example/)", "<p>x</p>\n"},
		{"XSS_RelativeLink", "[x](/logout)", "<p>x</p>\n"},
		{"XSS_HostlessHTTP", "[x](http:alert(1))", "<p>x</p>\n"},
		{"XSS_QuoteInAddress", `[x](https://a.example/"onmouseover="alert(1))`,
			`<p><a href="https://a.example/&#34;onmouseover=&#34;alert(1)" target="_blank" rel="noopener">x</a></p>` + "\n"},
		{"XSS_TagInLinkText", "[<img src=x onerror=alert(1)>](https://a.example)",
			`<p><a href="https://a.example" target="_blank" rel="noopener">&lt;img src=x onerror=alert(1)&gt;</a></p>` + "\n"},
		{"XSS_TagInStrong", "**<b onclick=x>hi</b>**", "<p><strong>&lt;b onclick=x&gt;hi&lt;/b&gt;</strong></p>\n"},
		{"XSS_TagInCode", "`</code><script>alert(1)</script>`", "<p><code>&lt;/code&gt;&lt;script&gt;alert(1)&lt;/script&gt;</code></p>\n"},
		{"XSS_TagInHeading", "# <svg onload=alert(1)>", "<h3>&lt;svg onload=alert(1)&gt;</h3>\n"},
		{"XSS_TagInListItem", "- <iframe src=x>", "<ul>\n<li>&lt;iframe src=x&gt;</li>\n</ul>\n"},
		{"XSS_BareJavascript", "javascript:alert(1)", "<p>javascript:alert(1)</p>\n"},
		{"XSS_AutolinkStopsAtQuote", `https://a.example/"><script>`,
			`<p><a href="https://a.example/" target="_blank" rel="noopener">https://a.example/</a>&#34;&gt;&lt;script&gt;</p>` + "\n"},
		{"XSS_NestedLinkInLinkText", "[[y](javascript:x)](https://a.example)",
			`<p>[y](<a href="https://a.example" target="_blank" rel="noopener">https://a.example</a>)</p>` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := string(Render(tt.src))
			if got != tt.want {
				t.Errorf("Render(%q)\n got %q\nwant %q", tt.src, got, tt.want)
			}
			assertSafe(t, got)
		})
	}
}

// TestRenderLongUnclosedInput keeps rendering linear: many openers without closers are searched once, not once
// each (instructions may be 100,000 characters long and are rendered on every page view).
// TestRenderLongUnclosedInput renders 150 KB of openers that never close, as a hostile project description
// might hold: the output stays safe. (Its speed is measured by BenchmarkRenderLongUnclosedInput; a renderer
// that backtracked over every opener would not finish within the test run's timeout.)
func TestRenderLongUnclosedInput(t *testing.T) {
	t.Parallel()
	assertSafe(t, string(Render(strings.Repeat("*a _b [c `d **e __f (https://x ", 5000))))
}

// BenchmarkRenderLongUnclosedInput measures rendering 150 KB of openers that never close.
func BenchmarkRenderLongUnclosedInput(b *testing.B) {
	src := strings.Repeat("*a _b [c `d **e __f (https://x ", 5000)
	b.SetBytes(int64(len(src)))
	for range b.N {
		Render(src)
	}
}

func FuzzRender(f *testing.F) {
	for _, seed := range []string{"", "plain", "# h\n- a\n1. b\n\n*e* **s** `c` [l](https://x.example)",
		"<script>alert(1)</script>", "[x](javascript:alert(1))", `<img src=x onerror=alert(1)>`,
		"[a](http://x/\"><script>)", "**[*_`x`_*](mailto:a@b)**", "https://x.example/(a)).", "\\<\\>\\[x\\](y)"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		assertSafe(t, string(Render(src)))
	})
}

var (
	// tagPattern matches every tag the renderer may write.
	tagPattern = regexp.MustCompile(`<(/?)(p|br|h[3-6]|em|strong|code|ul|ol|li|a)` +
		`(?: start="[0-9]+"| href="([^"<>]*)" target="_blank" rel="noopener")?>`)
	anyTag = regexp.MustCompile(`<[^>]*>?`)
)

// assertSafe checks rendered HTML: only the renderer's own tags, properly nested, links only to http(s) or
// mailto, and no <, > or " left in the text between tags.
func assertSafe(t *testing.T, out string) {
	t.Helper()
	var stack []string
	last := 0
	for _, m := range tagPattern.FindAllStringSubmatchIndex(out, -1) {
		checkText(t, out, out[last:m[0]])
		last = m[1]
		closing, name := out[m[2]:m[3]] == "/", out[m[4]:m[5]]
		if m[6] >= 0 {
			href := html.UnescapeString(out[m[6]:m[7]])
			if _, ok := safeURL(href); !ok || !hasPrefixFold(href, "http") && !hasPrefixFold(href, "mailto:") {
				t.Fatalf("unsafe link %q in %q", href, out)
			}
		}
		switch {
		case name == "br":
		case closing:
			if len(stack) == 0 || stack[len(stack)-1] != name {
				t.Fatalf("</%s> closes %v in %q", name, stack, out)
			}
			stack = stack[:len(stack)-1]
		default:
			stack = append(stack, name)
		}
	}
	checkText(t, out, out[last:])
	if len(stack) != 0 {
		t.Fatalf("unclosed %v in %q", stack, out)
	}
}

func checkText(t *testing.T, out, text string) {
	t.Helper()
	if anyTag.MatchString(text) || strings.ContainsAny(text, `<>"`) {
		t.Fatalf("raw markup %q in %q", text, out)
	}
}
