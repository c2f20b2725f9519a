package bench

import (
	"net/http"
	"strings"
	"testing"
)

// BenchmarkLogin is the latency of POST /auth/tokens with the default argon2id cost.
func BenchmarkLogin(b *testing.B) {
	ba := newBenchApp(b)
	ba.User(b, "login-user", "a long password", false)
	c := client()
	b.ResetTimer()
	for b.Loop() {
		resp, err := c.Post(ba.URL+"/api/v1/auth/tokens", "application/json",
			strings.NewReader(`{"username":"login-user","password":"a long password"}`))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("login: %d", resp.StatusCode)
		}
	}
}

// BenchmarkHealthcheck is the baseline throughput of an unauthenticated request that reads the database.
func BenchmarkHealthcheck(b *testing.B) {
	ba := newBenchApp(b)
	c := client()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, c, ba.URL+"/api/v1/healthcheck", "", http.StatusOK)
		}
	})
}

// BenchmarkUsersMe is an authenticated request: token lookup plus one user read.
func BenchmarkUsersMe(b *testing.B) {
	ba := newBenchApp(b)
	_, token := ba.User(b, "me-user", "a long password", false)
	c := client()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, c, ba.URL+"/api/v1/users/me", token, http.StatusOK)
		}
	})
}
