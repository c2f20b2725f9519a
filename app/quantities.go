package app

import (
	"time"

	"fieldbase/app/jobs"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Numbers, sizes and times as a page shows them in its language: the language's own separators (1,234 in
// English, 1 234 in French, 1.234 in Spanish) in the Latin digits every other number on the pages uses.

// printer prints numbers the way the language writes them.
func (l loc) printer() *message.Printer {
	tag, err := language.Parse(l.lang)
	if err != nil {
		tag = language.English
	}
	if t, err := tag.SetTypeForKey("nu", "latn"); err == nil {
		tag = t
	}
	return message.NewPrinter(tag)
}

// Int is n with the language's thousands separator.
func (l loc) Int(n int64) string { return l.printer().Sprint(number.Decimal(n)) }

// Decimal is x with one decimal.
func (l loc) Decimal(x float64) string {
	return l.printer().Sprint(number.Decimal(x, number.MinFractionDigits(1), number.MaxFractionDigits(1)))
}

// Size is a byte count for people: 532 bytes, 12.3 kB, 18.5 MB, 1.4 GB (decimal units, as file managers show).
func (l loc) Size(n int64) string {
	switch {
	case n < 1000:
		return l.N("size.bytes", int(n))
	case n < 1000_000:
		return l.T("size.kb", "Size", l.Decimal(float64(n)/1e3))
	case n < 1000_000_000:
		return l.T("size.mb", "Size", l.Decimal(float64(n)/1e6))
	}
	return l.T("size.gb", "Size", l.Decimal(float64(n)/1e9))
}

// Ago says how long before now t was, the way people say it: "just now", "5 minutes ago", "2 hours ago",
// "3 days ago".
func (l loc) Ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return l.T("time.just_now")
	case d < time.Hour:
		return l.N("time.minutes_ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return l.N("time.hours_ago", int(d/time.Hour))
	default:
		return l.N("time.days_ago", int(d/(24*time.Hour)))
	}
}

// jobWords is a job's progress message in the page's language: its words when the job gave them (a value named
// Size is a byte count, other numbers are counts), else the message as the job wrote it.
func jobWords(l loc, msg string, w *jobs.Words) string {
	if w == nil {
		return msg
	}
	kv := make([]any, 0, 2*len(w.Data))
	for k, v := range w.Data {
		var n int64
		switch x := v.(type) {
		case float64: // read back from JSON
			n = int64(x)
		case int:
			n = int64(x)
		case int64:
			n = x
		default:
			kv = append(kv, k, v)
			continue
		}
		if k == "Size" {
			kv = append(kv, k, l.Size(n))
		} else {
			kv = append(kv, k, l.Int(n))
		}
	}
	return l.T(w.ID, kv...)
}
