package db

import (
	"context"
	"slices"
	"testing"
)

func noticeFixture(t *testing.T) (*Store, int64, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	users := map[string]int64{}
	for _, name := range []string{"ann", "ben", "cal", "dot"} {
		u, err := s.CreateUser(ctx, User{Username: name, DisplayName: name, Email: name + "@example.org",
			PasswordHash: "x", Disabled: name == "dot"})
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u.ID
	}
	p, err := s.CreateProject(ctx, Project{Name: "P", Visibility: "public", Status: "published",
		AOI: `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}`, AreaM2: 1, LockMinutes: 60,
		MaxLocksPerUser: 1, CreatedBy: users["cal"]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetMember(ctx, p.ID, users["ben"], "mapper"); err != nil {
		t.Fatal(err)
	}
	return s, p.ID, users
}

func unreadOf(t *testing.T, s *Store, uid int64) int {
	t.Helper()
	n, err := s.UnreadCount(context.Background(), uid)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNotifyWho: who a notice reaches: the user named, or the project member with the username; never the actor,
// a disabled account, someone who turned the kind off, nor twice with one dedup key. The OnNotify hook hears who.
func TestNotifyWho(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pid, u := noticeFixture(t)
	var told []int64
	s.OnNotify(func(ids []int64) { told = append(told, ids...) })
	if err := s.SaveNoticePrefs(ctx, u["cal"], map[string]bool{NoticeMention: false}, ""); err != nil {
		t.Fatal(err)
	}
	err := s.Notify(ctx, []Notice{
		{UserID: u["ann"], Kind: NoticeTaskAssigned, ProjectID: pid, ActorID: u["ben"]},
		{UserID: u["ann"], Kind: NoticeTaskAssigned, ProjectID: pid, ActorID: u["ann"]}, // own act
		{Username: "BEN", Kind: NoticeMention, ProjectID: pid},                          // member, any case
		{Username: "ann", Kind: NoticeMention, ProjectID: pid},                          // not a member
		{Username: "zed", Kind: NoticeMention, ProjectID: pid},                          // unknown
		{UserID: u["cal"], Kind: NoticeMention, ProjectID: pid},                         // turned off
		{UserID: u["dot"], Kind: NoticeTaskAssigned, ProjectID: pid},                    // disabled
		{UserID: u["cal"], Kind: NoticeBackupFailed, DedupKey: "k1"},
		{UserID: u["cal"], Kind: NoticeBackupFailed, DedupKey: "k1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"ann": 1, "ben": 1, "cal": 1, "dot": 0} {
		if got := unreadOf(t, s, u[name]); got != want {
			t.Errorf("%s: %d unread, want %d", name, got, want)
		}
	}
	if want := []int64{u["ann"], u["ben"], u["cal"]}; !slices.Equal(told, want) {
		t.Errorf("hook told %v, want %v", told, want)
	}
}

// TestClaimDigest: a claim takes the unread, undigested items; claiming the same period again before it is sent
// gives the same items; once sent, nothing; an unsent digest of an earlier period is carried into the next.
func TestClaimDigest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pid, u := noticeFixture(t)
	ann := u["ann"]
	if d, err := s.ClaimDigest(ctx, ann, "h1"); err != nil || d.ID != 0 {
		t.Fatalf("nothing to claim: %+v %v", d, err)
	}
	notify := func(n int) {
		for range n {
			if err := s.Notify(ctx, []Notice{{UserID: ann, Kind: NoticeTaskAssigned, ProjectID: pid}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	notify(2)
	d1, err := s.ClaimDigest(ctx, ann, "h1")
	if err != nil || d1.ID == 0 || len(d1.Items) != 2 || d1.Email != "ann@example.org" {
		t.Fatalf("claim: %+v %v", d1, err)
	}
	notify(1)
	again, err := s.ClaimDigest(ctx, ann, "h1")
	if err != nil || again.ID != d1.ID || len(again.Items) != 2 {
		t.Fatalf("claim again before sending: %+v %v", again, err)
	}
	// Not sent in h1: h2 takes that digest over, with its items, and the newer item waits.
	d2, err := s.ClaimDigest(ctx, ann, "h2")
	if err != nil || d2.ID != d1.ID || len(d2.Items) != 2 {
		t.Fatalf("next period: %+v %v", d2, err)
	}
	if err := s.MarkDigestSent(ctx, d2.ID); err != nil {
		t.Fatal(err)
	}
	if d, err := s.ClaimDigest(ctx, ann, "h2"); err != nil || d.ID != 0 {
		t.Fatalf("claim after sent: %+v %v", d, err)
	}
	d3, err := s.ClaimDigest(ctx, ann, "h3")
	if err != nil || d3.ID == 0 || len(d3.Items) != 1 {
		t.Fatalf("the newer item in the next period: %+v %v", d3, err)
	}
	// Read items are not digested.
	if err := s.MarkDigestSent(ctx, d3.ID); err != nil {
		t.Fatal(err)
	}
	notify(1)
	if _, err := s.MarkRead(ctx, ann, nil, true); err != nil {
		t.Fatal(err)
	}
	if d, err := s.ClaimDigest(ctx, ann, "h4"); err != nil || d.ID != 0 {
		t.Fatalf("read items digested: %+v %v", d, err)
	}
	p, err := s.NoticePrefs(ctx, ann)
	if err != nil || p.LastDigestAt.IsZero() || p.Digest != DigestNever {
		t.Fatalf("prefs: %+v %v", p, err)
	}
}
