package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"fieldbase/app/auth"
	"fieldbase/app/config"
)

// TestPasswordHashingBound starts more logins at once than there are hashing slots and checks that no more
// verifications than slots ever run together: the others wait for a slot, and all are answered once the first
// ones finish.
func TestPasswordHashingBound(t *testing.T) {
	t.Parallel()
	const slots, logins = 2, 6
	ta := newTestApp(t, func(c *config.Config) { c.Auth.HashConcurrency = slots })
	ta.newUser(t, "ana", false)
	var mu sync.Mutex
	running, peak := 0, 0
	entered := make(chan struct{}, logins)
	release := make(chan struct{})
	ta.logins.verifyFn = func(password, encoded string) (bool, error) {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		entered <- struct{}{}
		<-release
		mu.Lock()
		running--
		mu.Unlock()
		return auth.VerifyPassword(password, encoded)
	}
	statuses := make(chan int, logins)
	for i := range logins {
		user := "ana"
		if i%2 == 1 {
			user = fmt.Sprintf("nobody%d", i) // unknown usernames are verified too, against the dummy hash
		}
		body := `{"username":"` + user + `","password":"` + testPassword + `"}`
		go func() {
			resp, err := ta.Fiber().Test(jsonReq("POST", "/api/v1/auth/tokens", body, ""), -1)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	// With every slot held by a blocked verification, the other logins must be queued, not verifying.
	waitFor(t, func() bool {
		if n := len(entered); n > slots {
			t.Fatalf("%d verifications ran at once with %d slots", n, slots)
		}
		return len(entered) == slots && ta.logins.slots.Waiting() == logins-slots
	})
	close(release)
	got := map[int]int{}
	for range logins {
		got[<-statuses]++
	}
	if got[201] != logins/2 || got[401] != logins/2 {
		t.Fatalf("statuses %v, want %d x 201 and %d x 401", got, logins/2, logins/2)
	}
	if peak > slots {
		t.Fatalf("peak of %d verifications at once, want at most %d", peak, slots)
	}
}

// TestPasswordHashingBusy holds every hashing slot and checks that each request path that hashes or verifies a
// password answers 503 with Retry-After when its wait runs out, and that such a login is not counted as failed.
func TestPasswordHashingBusy(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	adminID, admin := ta.newUser(t, "boss", true)
	ta.logins.limiter = auth.NewLimiter(1, time.Minute, time.Now) // one counted failure would lock "boss" out
	ta.logins.wait = time.Millisecond
	form := url.Values{"username": {"boss"}, "password": {testPassword}}.Encode()
	cases := []struct {
		name string
		req  *http.Request
	}{
		{"APILogin", jsonReq("POST", "/api/v1/auth/tokens", `{"username":"boss","password":"`+testPassword+`"}`, "")},
		{"FormLogin", formReq("/login", form)},
		{"CreateUser", jsonReq("POST", "/api/v1/users", `{"username":"newbie","password":"long enough pw"}`, admin)},
		{"SetPassword", jsonReq("PATCH", fmt.Sprintf("/api/v1/users/%d", adminID),
			`{"password":"another long one"}`, admin)},
		{"ChangeOwnPassword", jsonReq("PUT", "/api/v1/users/me/password",
			`{"old_password":"`+testPassword+`","new_password":"another long one"}`, admin)},
	}
	holdAllSlots(t, ta)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := ta.do(t, c.req)
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("status %d, Retry-After %q; body %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
			}
			if !strings.Contains(body, "busy") || strings.Contains(body, "internal error") {
				t.Errorf("body %s", body)
			}
		})
	}
	releaseAllSlots(ta)
	if code, body, _ := loginToken(t, ta, "boss"); code != http.StatusCreated {
		t.Fatalf("login once slots are free: %d %s", code, body)
	}
}

// TestLoginWaiterCancelled checks that a login whose context ends while it waits for a hashing slot gets the
// busy answer (503, Retry-After), never a 500.
func TestLoginWaiterCancelled(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.newUser(t, "cal", false)
	holdAllSlots(t, ta)
	defer releaseAllSlots(ta)
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		_, err := ta.logins.check(ctx, "cal", testPassword)
		errs <- err
	}()
	waitFor(t, func() bool { return ta.logins.slots.Waiting() == 1 })
	cancel()
	err := <-errs
	if status, _, _ := classify(err); status != http.StatusServiceUnavailable {
		t.Fatalf("status %d for %v, want 503", status, err)
	}
	if errorHeaders(err)["Retry-After"] == "" {
		t.Fatalf("no Retry-After with %v", err)
	}
}

// holdAllSlots takes every password hashing slot, as long verifications would.
func holdAllSlots(t *testing.T, ta *testApp) {
	t.Helper()
	for range ta.logins.slots.Size() {
		if err := ta.logins.slots.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func releaseAllSlots(ta *testApp) {
	for range ta.logins.slots.Size() {
		ta.logins.slots.Release()
	}
}

func formReq(target, body string) *http.Request {
	req := httptest.NewRequest("POST", target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// waitFor polls cond until it holds, failing the test after 10 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}
