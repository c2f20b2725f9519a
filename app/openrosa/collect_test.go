package openrosa

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestCollectSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, server, project string
		want                  map[string]any
		wantErr               bool
	}{
		{"OK", "https://fieldbase.example/v1/key/abc/projects/7", "Kathmandu \"buildings\"", map[string]any{
			"general": map[string]any{"server_url": "https://fieldbase.example/v1/key/abc/projects/7",
				"form_update_mode": "match_exactly", "autosend": "wifi_and_cellular"},
			"admin":   map[string]any{},
			"project": map[string]any{"name": "Kathmandu \"buildings\""},
		}, false},
		{"OKNoProjectName", "http://192.168.1.10:8080", "", map[string]any{
			"general": map[string]any{"server_url": "http://192.168.1.10:8080",
				"form_update_mode": "match_exactly", "autosend": "wifi_and_cellular"},
			"admin":   map[string]any{},
			"project": map[string]any{},
		}, false},
		{"ErrRelativeURL", "/projects/7", "x", nil, true},
		{"ErrNotHTTP", "ftp://example.com", "x", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			payload, err := CollectSettings(tt.server, tt.project)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got := decodeSettings(t, payload); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("settings = %#v, want %#v", got, tt.want)
			}
		})
	}
}

// decodeSettings reverses base64 and zlib and decodes the JSON.
func decodeSettings(t *testing.T, payload string) map[string]any {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("zlib: %v", err)
	}
	js, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("zlib read: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatalf("json: %v", err)
	}
	return got
}

func TestCollectQRPNG(t *testing.T) {
	t.Parallel()
	payload, err := CollectSettings("https://fieldbase.example/v1/key/abcdefghijklmnop/projects/1", "Demo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		text    string
		size    int
		wantErr bool
	}{
		{"OK512", payload, 512, false},
		{"OK301", payload, 301, false},
		{"ErrTooSmallForData", strings.Repeat("x", 1500), 64, true},
		{"ErrSizeBelowMinimum", payload, 10, true},
		{"ErrSizeAboveMaximum", payload, MaxQRSize + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := CollectQRPNG(tt.text, tt.size)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			img, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("png decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tt.size || b.Dy() != tt.size {
				t.Fatalf("image is %v, want %dx%d", b, tt.size, tt.size)
			}
			// The quiet zone leaves the corners white; the finder pattern
			// makes the first dark pixel sit on the diagonal.
			if r, _, _, _ := img.At(0, 0).RGBA(); r == 0 {
				t.Fatal("corner pixel is black: no quiet zone")
			}
			first := -1
			for i := 0; i < tt.size && first < 0; i++ {
				if r, _, _, _ := img.At(i, i).RGBA(); r == 0 {
					first = i
				}
			}
			if first < 0 {
				t.Fatal("no dark module on the diagonal")
			}
		})
	}
}
