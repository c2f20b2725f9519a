package app

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	validation "github.com/go-ozzo/ozzo-validation/v4"
	"github.com/gofiber/fiber/v2"
)

// Refusals: every message a client mistake earns (a field's, or a form's as a whole) carries a stable code and
// its params, as ozzo's validation.Error does: ozzo's own rules have theirs (validation_required,
// validation_length_out_of_range with min and max, ...), Fieldbase's are written with coded. The API sends the
// English text (the problem's detail and errors, unchanged); a page says it in its reader's language through the
// catalogue's "field.<code>" message, filled with the params named with a capital (min → {{.Min}}). A code the
// catalogue lacks, and a message without a code, are shown in English.

// coded is a refusal with a stable code (validation_..., the catalogue's "field.<code>" words it on pages) whose
// English text is a template of its params, given as name and value pairs: coded("validation_zoom_range", "zooms
// must be within 0-{{.max}}", "max", 22). The English text must not hold user input: that goes in a param.
func coded(code, english string, kv ...any) validation.Error {
	e := validation.NewError(code, english)
	if len(kv) == 0 {
		return e
	}
	params := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		params[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return e.SetParams(params)
}

// worded is a refusal another package wrote in English already (it does not know ozzo), with the code and params
// a page words it from. Its text is shown as it is, never parsed as a template.
type worded struct {
	code, text string
	params     map[string]any
}

func (w worded) Error() string                               { return w.text }
func (w worded) Code() string                                { return w.code }
func (w worded) Message() string                             { return w.text }
func (w worded) Params() map[string]any                      { return w.params }
func (w worded) SetMessage(m string) validation.Error        { w.text = m; return w }
func (w worded) SetParams(p map[string]any) validation.Error { w.params = p; return w }

// uncoded is a message with no code: a page shows it in English.
func uncoded(english string) validation.Error { return validation.NewError("", english) }

// refusalID is the catalogue message of a refusal code.
func refusalID(code string) string { return "field." + code }

// word says a refusal in l's language: the catalogue's message for its code with its params, or its English
// text when it has no code or the catalogue has no message for the code.
func (l loc) word(e validation.Error) string {
	if e == nil {
		return ""
	}
	id := refusalID(e.Code())
	if e.Code() == "" || !l.cat.Known(id) {
		return e.Error()
	}
	data := make(map[string]any, len(e.Params()))
	for k, v := range e.Params() {
		data[capitalize(k)] = v
	}
	return l.cat.T(l.lang, id, data)
}

// wordFields says per-field refusals in l's language.
func (l loc) wordFields(fields map[string]validation.Error) map[string]string {
	out := make(map[string]string, len(fields))
	for k, e := range fields {
		out[k] = l.word(e)
	}
	return out
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// formErrors turns an error into per-field messages in the request's language for a re-rendered form (the
// message about the form as a whole under ""), or reports false when the error is not the client's (then the
// caller returns it).
func (a *App) formErrors(c *fiber.Ctx, err error) (map[string]string, int, bool) {
	status, msg, fields := judge(err)
	if status >= 500 || status == fiber.StatusForbidden {
		return nil, 0, false
	}
	l := a.tr(c)
	if len(fields) == 0 {
		return map[string]string{"": l.word(msg)}, status, true
	}
	return l.wordFields(fields), status, true
}
