package openrosa

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"

	"rsc.io/qr"
)

// collectSettings is the JSON ODK Collect reads from a configuration QR code.
type collectSettings struct {
	General struct {
		ServerURL      string `json:"server_url"`
		FormUpdateMode string `json:"form_update_mode"`
		Autosend       string `json:"autosend"`
	} `json:"general"`
	Admin   struct{} `json:"admin"`
	Project struct {
		Name string `json:"name,omitempty"`
	} `json:"project"`
}

// CollectSettings returns the payload of an ODK Collect configuration QR
// code: base64 (standard, padded) of the zlib-compressed settings JSON. It
// points Collect at serverURL, keeps the device's forms matching the server
// exactly and sends finalized forms over Wi-Fi or cellular. Any setting not
// named is reset to its default by Collect when scanned.
func CollectSettings(serverURL, projectName string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("server url %q is not an absolute http or https url", serverURL)
	}
	var s collectSettings
	s.General.ServerURL = serverURL
	s.General.FormUpdateMode = "match_exactly"
	s.General.Autosend = "wifi_and_cellular"
	s.Project.Name = projectName
	raw, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("encode collect settings: %w", err)
	}
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression) // the level is valid
	if _, err := zw.Write(raw); err != nil {
		return "", fmt.Errorf("compress collect settings: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("compress collect settings: %w", err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// Bounds of the QR code image size, in pixels.
const (
	// MinQRSize is the smallest image CollectQRPNG renders.
	MinQRSize = 64
	// MaxQRSize is the largest image CollectQRPNG renders.
	MaxQRSize = 4096
	// qrQuietZone is the white border the QR specification asks for, in modules.
	qrQuietZone = 4
)

// CollectQRPNG renders text as a size x size pixel PNG QR code (error
// correction level M). Modules are scaled by the largest integer factor that
// fits with a quiet zone of at least four modules, and the code is centred,
// so it stays crisp and scannable from a screen.
func CollectQRPNG(text string, size int) ([]byte, error) {
	if size < MinQRSize || size > MaxQRSize {
		return nil, fmt.Errorf("qr size %d is outside %d-%d pixels", size, MinQRSize, MaxQRSize)
	}
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, fmt.Errorf("encode qr code: %w", err)
	}
	modules := code.Size + 2*qrQuietZone
	scale := size / modules
	if scale < 1 {
		return nil, errors.New("qr size is too small for the amount of data")
	}
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	offset := (size - code.Size*scale) / 2
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if code.Black(x, y) {
				fillSquare(img, offset+x*scale, offset+y*scale, scale)
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode qr png: %w", err)
	}
	return buf.Bytes(), nil
}

// fillSquare paints a black scale x scale square at (x0, y0).
func fillSquare(img *image.Paletted, x0, y0, scale int) {
	for y := y0; y < y0+scale; y++ {
		row := img.Pix[y*img.Stride:]
		for x := x0; x < x0+scale; x++ {
			row[x] = 1
		}
	}
}
