package basemapgen

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"text/template"
)

// Source is a tile source: an XYZ URL template with {z}, {x} and {y} (or {-y} for TMS rows) and optionally {s}
// (replaced by a, b or c).
type Source struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	Attribution string `json:"attribution,omitempty"`
	// MaxZoom is the deepest zoom the source serves; 0 means not limited.
	MaxZoom int `json:"max_zoom,omitempty"`
	// Trusted sources (configured by the administrator) may reach any address; others only public ones
	// (see Dialer).
	Trusted bool `json:"trusted,omitempty"`
}

// SourceError says why a source may not be used, in words a person can act on. Code (validation_source_...) and
// Params let a page say it in its reader's language; Reason is the English.
type SourceError struct {
	Reason string
	Code   string
	Params map[string]any
}

func (e *SourceError) Error() string { return e.Reason }

// sourceError is a refusal whose English is a template (a literal, never input) filled with params given as name
// and value pairs.
func sourceError(code, english string, kv ...any) error {
	params := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		params[fmt.Sprint(kv[i])] = kv[i+1]
	}
	var b strings.Builder
	if err := template.Must(template.New(code).Parse(english)).Execute(&b, params); err != nil {
		b.WriteString(english)
	}
	return &SourceError{Reason: b.String(), Code: code, Params: params}
}

// Refused lists the tile hosts whose usage policies forbid bulk or offline download (a host matches an entry
// when it is the entry or one of its subdomains). Each names the policy in the refusal.
var Refused = []struct{ Host, Owner string }{
	{"tile.openstreetmap.org", "the OpenStreetMap tile usage policy"},
	{"tile.osm.org", "the OpenStreetMap tile usage policy"},
	{"openstreetmap.fr", "the OpenStreetMap France tile policy"},
	{"openstreetmap.de", "the OpenStreetMap Germany tile policy"},
	{"tile.opentopomap.org", "the OpenTopoMap terms"},
	{"maps.wikimedia.org", "the Wikimedia Maps terms"},
	{"google.com", "the Google Maps terms"},
	{"googleapis.com", "the Google Maps Platform terms"},
	{"virtualearth.net", "the Bing Maps terms"},
	{"arcgisonline.com", "the Esri terms of use"},
	{"stadiamaps.com", "the Stadia Maps terms"},
	{"cartocdn.com", "the CARTO basemaps terms"},
}

// Resolve turns what a person chose (the name of a configured source, or an XYZ URL template) into a Source, or
// a *SourceError: an unknown name, a URL that is not http(s) or lacks {z}/{x}/{y}, a refused host, or (when
// allowPrivate is false) a host on a loopback, private or link-local address.
func Resolve(ctx context.Context, choice string, configured []Source, allowPrivate bool) (Source, error) {
	choice = strings.TrimSpace(choice)
	for _, s := range configured {
		if s.Name == choice {
			s.Trusted = true
			return s, CheckURL(s.URL)
		}
	}
	if !strings.Contains(choice, "://") {
		return Source{}, sourceError("validation_source_unknown",
			"{{.choice}} is neither a configured source nor a URL template", "choice", strconv.Quote(choice))
	}
	s := Source{Name: "", URL: choice}
	if err := CheckURL(choice); err != nil {
		return s, err
	}
	u, _ := url.Parse(fill(choice, 0, 0, 0))
	s.Name = u.Hostname()
	if allowPrivate {
		s.Trusted = true
		return s, nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil {
		return s, sourceError("validation_source_host_unknown", "the host {{.host}} cannot be found",
			"host", u.Hostname())
	}
	for _, a := range addrs {
		if !publicAddr(a) {
			return s, sourceError("validation_source_private", "the host {{.host}} is on a private network: "+
				"ask an administrator to add it as a configured source", "host", u.Hostname())
		}
	}
	return s, nil
}

// CheckURL checks an XYZ URL template: http or https, {z}, {x} and {y} (or {-y}), and a host not on the refused
// list.
func CheckURL(tmpl string) error {
	if !strings.Contains(tmpl, "{z}") || !strings.Contains(tmpl, "{x}") ||
		!(strings.Contains(tmpl, "{y}") || strings.Contains(tmpl, "{-y}")) {
		return sourceError("validation_source_xyz", "the URL template must hold {z}, {x} and {y}")
	}
	u, err := url.Parse(fill(tmpl, 0, 0, 0))
	if err == nil && u.Scheme != "http" && u.Scheme != "https" {
		return sourceError("validation_source_scheme", "the URL template must start with http:// or https://")
	}
	if err != nil || u.Host == "" {
		return sourceError("validation_source_url", "the URL template is not a valid URL")
	}
	return checkHost(u.Hostname())
}

func checkHost(host string) error {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, r := range Refused {
		if host == r.Host || strings.HasSuffix(host, "."+r.Host) {
			return sourceError("validation_source_refused", "{{.host}} may not be used: {{.owner}} forbids bulk "+
				"downloads for offline use. Use your own tile server or a service whose plan allows offline basemaps",
				"host", host, "owner", r.Owner)
		}
	}
	return nil
}

// fill makes the URL of tile z/x/y from a template.
func fill(tmpl string, z, x, y int) string {
	sub := string(rune('a' + (x+y)%3))
	return strings.NewReplacer("{z}", strconv.Itoa(z), "{x}", strconv.Itoa(x), "{y}", strconv.Itoa(y),
		"{-y}", strconv.Itoa((1<<z)-1-y), "{s}", sub).Replace(tmpl)
}

// publicAddr reports whether an address is on the public internet: not loopback, private (RFC 1918, fc00::/7),
// link-local (169.254/16, the cloud metadata address), shared CGNAT space, unspecified or multicast.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	return !(a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() || cgnat.Contains(a))
}

// dialControl refuses connections to non-public addresses; it runs on the address actually dialled, so a DNS
// answer that changes between the check and the download cannot reach a private network.
func dialControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return err
	}
	if !publicAddr(ap.Addr()) {
		return sourceError("validation_source_private_address", "the tile source {{.address}} is on a private network",
			"address", ap.Addr())
	}
	return nil
}
