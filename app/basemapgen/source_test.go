package basemapgen

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	configured := []Source{{Name: "Our imagery", URL: "http://127.0.0.1:9/{z}/{x}/{y}.jpg"},
		{Name: "Mistake", URL: "https://a.tile.openstreetmap.org/{z}/{x}/{y}.png"}}
	for _, tc := range []struct {
		name, choice, want string
		allowPrivate       bool
	}{
		{"OKConfiguredMayBeLocal", "Our imagery", "", false},
		{"OKPrivateAllowed", "http://127.0.0.1:8/{z}/{x}/{y}.png", "", true},
		{"ErrOSM", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "OpenStreetMap tile usage policy", false},
		{"ErrOSMSubdomain", "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "bulk downloads", false},
		{"ErrOSMConfigured", "Mistake", "OpenStreetMap tile usage policy", false},
		{"ErrGoogle", "https://mt1.google.com/vt/lyrs=s&x={x}&y={y}&z={z}", "Google Maps terms", false},
		{"ErrEsri", "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
			"Esri", false},
		{"ErrScheme", "file:///etc/{z}/{x}/{y}", "http:// or https://", false},
		{"ErrFTP", "ftp://example.org/{z}/{x}/{y}", "http:// or https://", false},
		{"ErrPlaceholders", "https://example.org/tiles/{z}/{x}.png", "{z}, {x} and {y}", false},
		{"ErrUnknownName", "Somebody's tiles", "neither a configured source nor a URL", false},
		{"ErrLoopback", "http://127.0.0.1:8/{z}/{x}/{y}.png", "private network", false},
		{"ErrMetadataService", "http://169.254.169.254/{z}/{x}/{y}", "private network", false},
		{"ErrPrivate", "http://10.1.2.3/{z}/{x}/{y}", "private network", false},
		{"ErrLocalhostName", "http://localhost:8/{z}/{x}/{y}", "private network", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Resolve(context.Background(), tc.choice, configured, tc.allowPrivate)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var se *SourceError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want a SourceError with %q", err, tc.want)
			}
		})
	}
}

// TestFetcherRefusesPrivateAtDial: an untrusted source whose name later resolves to a private address (DNS
// rebinding) is still refused when the connection is made.
func TestFetcherRefusesPrivateAtDial(t *testing.T) {
	t.Parallel()
	f := NewFetcher("Fieldbase/test", 0, false)
	f.Timeout, f.Attempts = 1e9, 1
	_, err := f.Fetch(context.Background(), "http://127.0.0.1:9/1/1/1")
	var se *SourceError
	if !errors.As(err, &se) {
		t.Fatalf("err %v, want a SourceError", err)
	}
}
