package jobs

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"fieldbase/app/config"
	"fieldbase/app/i18n"
	"fieldbase/app/notify"
	"fieldbase/db"
	"fieldbase/db/dbtest"
)

// mailbox is a real SMTP server on 127.0.0.1 (go-smtp as the receiving side) that keeps what it accepts and
// refuses the next `refuse` messages with 451.
type mailbox struct {
	mu       sync.Mutex
	got      []received
	refuse   int
	refused  int
	port     int
	received chan struct{}
}

type received struct {
	From, To string
	Msg      *mail.Message
	Text     string // the text/plain part, decoded
	HTML     string
}

func (m *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{box: m}, nil }

type mailSession struct {
	box      *mailbox
	from, to string
}

func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }
func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	b := s.box
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refuse > 0 {
		b.refuse--
		b.refused++
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	rc := received{From: s.from, To: s.to}
	if rc.Msg, err = mail.ReadMessage(strings.NewReader(string(data))); err != nil {
		return err
	}
	_, params, err := mime.ParseMediaType(rc.Msg.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	mr := multipart.NewReader(rc.Msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		body, _ := io.ReadAll(p) // quoted-printable is decoded by the reader
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			rc.HTML = string(body)
		} else {
			rc.Text = string(body)
		}
	}
	b.got = append(b.got, rc)
	b.received <- struct{}{}
	return nil
}

func (m *mailbox) messages() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.got...)
}

func newMailbox(t *testing.T, refuse int) *mailbox {
	t.Helper()
	box := &mailbox{refuse: refuse, received: make(chan struct{}, 100)}
	s := smtp.NewServer(box)
	s.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	box.port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return box
}

// digestRig is a store, a job queue whose digests go to box, and helpers to make users and notifications.
type digestRig struct {
	t     *testing.T
	store *db.Store
	jobs  *Jobs
	box   *mailbox
	proj  int64
}

func newDigestRig(t *testing.T, dir string, box *mailbox) *digestRig {
	t.Helper()
	store := dbtest.OpenDir(t, dir, db.Options{Synchronous: "normal"})
	if err := Migrate(context.Background(), store); err != nil {
		t.Fatal(err)
	}
	j, err := New(store, Options{Workers: 2, PollInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Digest: DigestOptions{SMTP: config.SMTP{Host: "127.0.0.1", Port: box.port, TLS: "none",
			From: "fieldbase@example.org"}, BaseURL: "https://field.example.org", Every: time.Hour,
			RetryBase: 50 * time.Millisecond, Catalog: catalogue(t)}})
	if err != nil {
		t.Fatal(err)
	}
	return &digestRig{t: t, store: store, jobs: j, box: box}
}

// catalogue is the message catalogues of web/i18n.
func catalogue(t *testing.T) *i18n.Catalog {
	t.Helper()
	cat, err := i18n.Load(os.DirFS("../../web/i18n"))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func (r *digestRig) start() {
	r.t.Helper()
	if err := r.jobs.Start(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { r.stop() })
}

func (r *digestRig) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.jobs.Stop(ctx)
}

// user creates a user with an e-mail address (may be empty) and a digest choice.
func (r *digestRig) user(name, email, digest string) int64 {
	r.t.Helper()
	ctx := context.Background()
	u, err := r.store.CreateUser(ctx, db.User{Username: name, DisplayName: strings.ToUpper(name[:1]) + name[1:],
		Email: email, PasswordHash: "x"})
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.store.SaveNoticePrefs(ctx, u.ID, nil, digest); err != nil {
		r.t.Fatal(err)
	}
	return u.ID
}

// mention gives user a "mention" notification with comment.
func (r *digestRig) mention(userID int64, comment string) {
	r.t.Helper()
	if err := r.store.Notify(context.Background(), []db.Notice{{UserID: userID, Kind: db.NoticeMention,
		ProjectID: r.project(), TaskIndex: 4, Params: map[string]string{"comment": comment}}}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *digestRig) project() int64 {
	if r.proj == 0 {
		p, err := r.store.CreateProject(context.Background(), db.Project{Name: "Wells", Visibility: "public",
			Status: "published", AOI: `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}`,
			AreaM2: 1, LockMinutes: 60, MaxLocksPerUser: 1})
		if err != nil {
			r.t.Fatal(err)
		}
		r.proj = p.ID
	}
	return r.proj
}

// waitMail waits for n messages in all.
func (r *digestRig) waitMail(n int) []received {
	r.t.Helper()
	deadline := time.After(60 * time.Second)
	for len(r.box.messages()) < n {
		select {
		case <-r.box.received:
		case <-deadline:
			r.t.Fatalf("waited for %d messages, got %d", n, len(r.box.messages()))
		}
	}
	return r.box.messages()
}

// settle waits until no digest job is waiting, running or to be retried.
func (r *digestRig) settle() {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		res, err := r.jobs.client.JobList(context.Background(), river.NewJobListParams().
			Kinds(DigestArgs{}.Kind(), DigestSweepArgs{}.Kind()).States(rivertype.JobStateAvailable,
			rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled,
			rivertype.JobStatePending))
		if err != nil {
			r.t.Fatal(err)
		}
		if len(res.Jobs) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling a condition with a deadline
	}
	r.t.Fatal("digest jobs did not settle")
}

// sweep runs a sweep now and waits for it and the digests it starts.
func (r *digestRig) sweep() {
	r.t.Helper()
	if _, err := r.jobs.Insert(context.Background(), DigestSweepArgs{}); err != nil {
		r.t.Fatal(err)
	}
	r.settle()
}

func byRecipient(msgs []received) map[string]received {
	out := map[string]received{}
	for _, m := range msgs {
		out[m.To] = m
	}
	return out
}

// TestDigestOnePerUserPerPeriod: the sweep sends one e-mail per person with a digest due, listing exactly their
// unread notifications no digest carried (plain text and HTML, links under the base URL); people who chose
// never, or have no address, get none; a second sweep in the same period sends nothing, even with new items.
func TestDigestOnePerUserPerPeriod(t *testing.T) {
	t.Parallel()
	box := newMailbox(t, 0)
	r := newDigestRig(t, t.TempDir(), box)
	ann := r.user("ann", "ann@example.org", db.DigestHourly)
	ben := r.user("ben", "ben@example.org", db.DigestDaily)
	cal := r.user("cal", "cal@example.org", db.DigestNever)
	dan := r.user("dan", "", db.DigestHourly)
	r.mention(ann, "first @ann")
	r.mention(ann, "second @ann")
	r.mention(ann, "already read @ann")
	items, _, err := r.store.Notifications(context.Background(), ann, false, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.MarkRead(context.Background(), ann, []int64{items[0].ID}, false); err != nil {
		t.Fatal(err)
	}
	r.mention(ben, "for ben")
	r.mention(cal, "for cal")
	r.mention(dan, "for dan")
	r.start() // the sweep runs at start
	msgs := r.waitMail(2)
	r.settle()
	if len(box.messages()) != 2 {
		t.Fatalf("messages: %d, want 2 (ann and ben)", len(box.messages()))
	}
	got := byRecipient(msgs)
	a, b := got["ann@example.org"], got["ben@example.org"]
	if a.Msg == nil || b.Msg == nil {
		t.Fatalf("recipients: %v", got)
	}
	for _, want := range []string{"Hello Ann", "\"first @ann\"", "\"second @ann\"",
		"https://field.example.org/projects/", "/tasks/4", "https://field.example.org/account/notifications"} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("ann's text lacks %q:\n%s", want, a.Text)
		}
	}
	if strings.Contains(a.Text, "already read") || strings.Count(a.Text, "mentioned you on task 4 of Wells") != 2 {
		t.Errorf("ann's digest has the wrong items:\n%s", a.Text)
	}
	if !strings.Contains(a.HTML, `<a href="https://field.example.org/projects/`) || !strings.Contains(a.HTML, "<q>first @ann</q>") {
		t.Errorf("ann's HTML:\n%s", a.HTML)
	}
	if subj := a.Msg.Header.Get("Subject"); subj != "Fieldbase: 2 new notifications" || a.From != "fieldbase@example.org" {
		t.Errorf("subject %q from %q", subj, a.From)
	}
	if !strings.Contains(b.Text, "for ben") || strings.Contains(b.Text, "for cal") {
		t.Errorf("ben's digest:\n%s", b.Text)
	}
	p, err := r.store.NoticePrefs(context.Background(), ann)
	if err != nil || p.LastDigestAt.IsZero() {
		t.Errorf("last digest time not recorded: %+v %v", p, err)
	}

	// The same period again, with something new for ann: nothing is sent until the next period.
	r.mention(ann, "later @ann")
	r.sweep()
	r.sweep()
	if n := len(box.messages()); n != 2 {
		t.Fatalf("a second sweep in the period sent mail: %d messages", n)
	}
	d, err := r.store.ClaimDigest(context.Background(), ann, notify.Period(db.DigestHourly, time.Now()))
	if err != nil || d.ID != 0 {
		// (an hour boundary between the sweeps would make this a new period: then the new item may go out)
		if notify.Period(db.DigestHourly, time.Now()) == notify.Period(db.DigestHourly, p.LastDigestAt) {
			t.Fatalf("the period's digest is not recorded as sent: %+v %v", d, err)
		}
	}
}

// TestDigestRetriesRefusedSend: a mail server answering 451 makes the job fail and retry with backoff; the
// retry sends the same items once, and nothing more is sent after.
func TestDigestRetriesRefusedSend(t *testing.T) {
	t.Parallel()
	box := newMailbox(t, 2)
	r := newDigestRig(t, t.TempDir(), box)
	ann := r.user("ann", "ann@example.org", db.DigestHourly)
	r.mention(ann, "look @ann")
	r.start()
	msgs := r.waitMail(1)
	r.settle()
	r.sweep()
	if len(box.messages()) != 1 || box.refused != 2 {
		t.Fatalf("messages %d refused %d, want 1 and 2", len(box.messages()), box.refused)
	}
	if !strings.Contains(msgs[0].Text, "\"look @ann\"") {
		t.Errorf("retried digest:\n%s", msgs[0].Text)
	}
	res, err := r.jobs.client.JobList(context.Background(), river.NewJobListParams().Kinds(DigestArgs{}.Kind()))
	if err != nil || len(res.Jobs) != 1 || res.Jobs[0].Attempt != 3 || res.Jobs[0].State != rivertype.JobStateCompleted {
		t.Fatalf("digest jobs: %+v %v", res.Jobs, err)
	}
	if len(res.Jobs[0].Errors) != 2 || !strings.Contains(res.Jobs[0].Errors[0].Error, "451") {
		t.Errorf("recorded errors: %+v", res.Jobs[0].Errors)
	}
}

// TestDigestSurvivesRestart: a digest claimed (its items recorded) by a process that stopped before sending goes
// out after the restart with exactly those items, once; items that came after the claim wait for the next period.
func TestDigestSurvivesRestart(t *testing.T) {
	t.Parallel()
	box := newMailbox(t, 0)
	dir := t.TempDir()
	r := newDigestRig(t, dir, box)
	ann := r.user("ann", "ann@example.org", db.DigestHourly)
	r.mention(ann, "before the crash @ann")
	period := notify.Period(db.DigestHourly, time.Now())
	d, err := r.store.ClaimDigest(context.Background(), ann, period) // the first process got this far
	if err != nil || d.ID == 0 || len(d.Items) != 1 {
		t.Fatalf("claim: %+v %v", d, err)
	}
	r.mention(ann, "after the claim @ann")
	if err := r.store.Close(); err != nil {
		t.Fatal(err)
	}

	r2 := newDigestRig(t, dir, box) // the restarted process, on the same files
	r2.start()
	msgs := r2.waitMail(1)
	r2.settle()
	r2.sweep()
	if len(box.messages()) != 1 {
		t.Fatalf("messages after restart: %d, want 1", len(box.messages()))
	}
	if !strings.Contains(msgs[0].Text, "before the crash") || strings.Contains(msgs[0].Text, "after the claim") {
		t.Errorf("the restarted digest has other items than the claimed ones:\n%s", msgs[0].Text)
	}
	if !strings.Contains(msgs[0].Msg.Header.Get("Message-Id"), "digest-1-") {
		t.Errorf("message id: %q", msgs[0].Msg.Header.Get("Message-Id"))
	}
	var unsent int
	if err := r2.store.DB().QueryRow("SELECT count(*) FROM notification_digests WHERE sent_at IS NULL").
		Scan(&unsent); err != nil || unsent != 0 {
		t.Errorf("unsent digests: %d %v", unsent, err)
	}
}

// TestDigestInRecipientLanguage: a digest is written in its recipient's language: the saved choice (French here),
// else the instance's default language (Spanish), else English; subject, plain text and HTML alike.
func TestDigestInRecipientLanguage(t *testing.T) {
	t.Parallel()
	box := newMailbox(t, 0)
	r := newDigestRig(t, t.TempDir(), box)
	ctx := context.Background()
	fay := r.user("fay", "fay@example.org", db.DigestHourly)
	if err := r.store.SetUserLanguage(ctx, fay, "fr"); err != nil {
		t.Fatal(err)
	}
	ann := r.user("ann", "ann@example.org", db.DigestHourly)
	r.mention(fay, "regarde @fay")
	r.mention(fay, "et ici @fay")
	r.mention(ann, "look @ann")
	r.start()
	got := byRecipient(r.waitMail(2))
	r.settle()
	f, a := got["fay@example.org"], got["ann@example.org"]
	if f.Msg == nil || a.Msg == nil {
		t.Fatalf("recipients: %v", got)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(f.Msg.Header.Get("Subject"))
	if err != nil || subj != "Fieldbase : 2 nouvelles notifications" {
		t.Errorf("French subject %q %v", subj, err)
	}
	for _, want := range []string{"Bonjour Fay,", "Voici ce qui s'est passé sur Fieldbase depuis votre dernier résumé :",
		"Quelqu'un vous a mentionné sur la tâche 4 de Wells", "\"regarde @fay\"",
		"Choisissez ce dont vous êtes prévenu, et à quelle fréquence, sur https://field.example.org/account/notifications"} {
		if !strings.Contains(f.Text, want) {
			t.Errorf("French text lacks %q:\n%s", want, f.Text)
		}
	}
	if strings.Contains(f.Text, "Hello") || strings.Contains(f.Text, "mentioned you") {
		t.Errorf("French text has English:\n%s", f.Text)
	}
	for _, want := range []string{"<p>Bonjour Fay,</p>", "vous a mentionné sur la tâche 4 de Wells</a>",
		`sur <a href="https://field.example.org/account/notifications">https://field.example.org/account/notifications</a>`} {
		if !strings.Contains(f.HTML, want) {
			t.Errorf("French HTML lacks %q:\n%s", want, f.HTML)
		}
	}
	if s := a.Msg.Header.Get("Subject"); s != "Fieldbase: 1 new notification" || !strings.Contains(a.Text, "Hello Ann,") ||
		!strings.Contains(a.Text, "Someone mentioned you on task 4 of Wells") {
		t.Errorf("English digest: subject %q\n%s", s, a.Text)
	}

	// No saved choice: the instance's default language.
	s, err := r.store.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.DefaultLanguage = "es"
	if _, err := r.store.SaveSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	ben := r.user("ben", "ben@example.org", db.DigestHourly)
	r.mention(ben, "mira @ben")
	r.sweep()
	b := byRecipient(r.waitMail(3))["ben@example.org"]
	if b.Msg == nil || !strings.Contains(b.Text, "Hola, Ben:") || !strings.Contains(b.Text, "le mencionó en la tarea 4 de Wells") {
		t.Errorf("digest in the default language:\n%s", b.Text)
	}
}
