package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"fieldbase/app/config"
	"fieldbase/db"
)

// Mail is one message ready to send.
type Mail struct {
	From, To string
	Data     []byte
}

// DigestMail writes the e-mail of a digest in the words of tr (the recipient's language): a plain-text and a
// simple HTML body listing each notification with its comment and link. Links are absolute under baseURL when one
// is configured, else the paths are given as text. The Message-ID is derived from the digest, so a receiver can
// tell a resent copy.
func DigestMail(d db.Digest, tr Tr, from, siteName, baseURL string, at time.Time) (Mail, error) {
	baseURL = strings.TrimRight(baseURL, "/")
	name := d.DisplayName
	if name == "" {
		name = d.Username
	}
	subject := tr.N("digest.subject", len(d.Items), "Site", siteName)
	hello := tr.T("digest.hello", "Name", name)
	intro := tr.T("digest.intro", "Site", siteName)
	var text bytes.Buffer
	fmt.Fprintf(&text, "%s\n\n%s\n\n", hello, intro)
	type item struct{ Text, Comment, Link string }
	items := make([]item, 0, len(d.Items))
	for _, n := range d.Items {
		it := item{Text: Text(tr, n), Comment: Comment(n), Link: Link(n)}
		if it.Link != "" {
			it.Link = baseURL + it.Link
		}
		items = append(items, it)
		fmt.Fprintf(&text, "- %s\n", it.Text)
		if it.Comment != "" {
			fmt.Fprintf(&text, "  \"%s\"\n", it.Comment)
		}
		if it.Link != "" {
			fmt.Fprintf(&text, "  %s\n", it.Link)
		}
	}
	prefs := baseURL + "/account/notifications"
	fmt.Fprintf(&text, "\n%s\n", tr.T("digest.prefs", "Link", prefs))
	// The HTML footer is the same message with the link as an anchor: the message is escaped, then a marker
	// standing for the link is replaced by the anchor's markup.
	const marker = "\x00link\x00"
	link := template.HTMLEscapeString(prefs)
	if baseURL != "" {
		link = `<a href="` + link + `">` + link + `</a>`
	}
	footer := template.HTML(strings.Replace(template.HTMLEscapeString(tr.T("digest.prefs", "Link", marker)),
		template.HTMLEscapeString(marker), link, 1)) // #nosec G203 -- escaped above
	var html bytes.Buffer
	if err := digestHTML.Execute(&html, map[string]any{"Hello": hello, "Intro": intro, "Items": items,
		"Footer": footer, "Absolute": baseURL != ""}); err != nil {
		return Mail{}, err
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	if err := writeQP(mw, h, text.Bytes()); err != nil {
		return Mail{}, err
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	if err := writeQP(mw, h, html.Bytes()); err != nil {
		return Mail{}, err
	}
	if err := mw.Close(); err != nil {
		return Mail{}, err
	}
	var msg bytes.Buffer
	host := "fieldbase.invalid"
	if i := strings.LastIndex(from, "@"); i >= 0 {
		host = from[i+1:]
	}
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", from, d.Email,
		mime.QEncoding.Encode("utf-8", subject), at.Format(time.RFC1123Z))
	fmt.Fprintf(&msg, "Message-ID: <digest-%d-%s@%s>\r\nMIME-Version: 1.0\r\n", d.ID, d.Period, host)
	fmt.Fprintf(&msg, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", mw.Boundary())
	msg.Write(body.Bytes())
	return Mail{From: from, To: d.Email, Data: msg.Bytes()}, nil
}

func writeQP(mw *multipart.Writer, h textproto.MIMEHeader, b []byte) error {
	pw, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(pw)
	if _, err := qp.Write(b); err != nil {
		return err
	}
	return qp.Close()
}

var digestHTML = template.Must(template.New("digest").Parse(`<!DOCTYPE html>
<html><body style="font-family: sans-serif; line-height: 1.4">
<p>{{.Hello}}</p>
<p>{{.Intro}}</p>
<ul>
{{- range .Items}}
<li>{{if and $.Absolute .Link}}<a href="{{.Link}}">{{.Text}}</a>{{else}}{{.Text}}{{if .Link}} ({{.Link}}){{end}}{{end}}
{{- with .Comment}}<br><q>{{.}}</q>{{end}}</li>
{{- end}}
</ul>
<p style="color: #555">{{.Footer}}</p>
</body></html>
`))

// Send delivers a mail through the configured server: TLS from the start, STARTTLS (required) or plain, with a
// login when a user is set. Every step has a deadline, so a stalled server fails the attempt instead of holding a
// worker.
func Send(ctx context.Context, s config.SMTP, m Mail) error {
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	dialer := &net.Dialer{Timeout: 30 * time.Second}
	var conn net.Conn
	var err error
	tlsConf := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if s.TLS == "tls" {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConf}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("smtp connect: %w", err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp greeting: %w", err)
	}
	defer c.Close()
	if s.TLS == "starttls" {
		if err := c.StartTLS(tlsConf); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if s.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.User, s.Password, s.Host)); err != nil {
			return fmt.Errorf("smtp login: %w", err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("smtp sender: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("smtp recipient: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if _, err := w.Write(m.Data); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	_ = c.Quit() // the server accepted the message: a failed goodbye must not make it send again
	return nil
}

// Period names the digest period that at falls in for a choice: the UTC hour ("2026-12-01T04") or day
// ("2026-12-01"); "" for never.
func Period(choice string, at time.Time) string {
	switch choice {
	case db.DigestHourly:
		return at.UTC().Format("2006-01-02T15")
	case db.DigestDaily:
		return at.UTC().Format("2006-01-02")
	}
	return ""
}
