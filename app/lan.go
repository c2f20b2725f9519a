package app

import (
	"context"
	"net"
	"net/url"
	"strings"
)

// phoneAddress is what the devices page says about the address phones use: the server URL the QR codes encode,
// whether a phone can reach it, and the machine's LAN addresses to choose from when it cannot.
type phoneAddress struct {
	// URL is the server URL the QR codes encode now (the chosen LAN address, else the configured base URL).
	URL string
	// Unreachable: no base URL is set, or it names this machine's loopback address, which a phone cannot reach.
	Unreachable bool
	// ListensLocal: the server accepts connections from this machine only (server.addr on a loopback address).
	ListensLocal bool
	// Choices are http://<LAN address>:<port> of this machine, detected; Chosen is the one picked (or "").
	Choices []string
	Chosen  string
}

// baseURL is the address phones reach the server at: the Settings page's, else server.base_url, else "".
func (a *App) baseURL(ctx context.Context) string {
	if s, err := a.store.Settings(ctx); err == nil && s.BaseURL != "" {
		return s.BaseURL
	} else if err != nil {
		a.log.Warn("settings not read for the base URL", "err", err)
	}
	return strings.TrimRight(a.cfg.Server.BaseURL, "/")
}

// serverURL is the base URL the QR codes and ODK Collect use: the base URL, else http://<server.addr>.
func (a *App) serverURL(ctx context.Context) string { return a.orAddr(a.baseURL(ctx)) }

// orAddr is base, or http://<server.addr> when base is empty.
func (a *App) orAddr(base string) string {
	if base != "" {
		return base
	}
	return "http://" + a.cfg.Server.Addr
}

// phoneAddress works out the devices page's advice; chosen is the LAN address picked on the page, kept only when
// it is one of the detected choices.
func (a *App) phoneAddress(ctx context.Context, chosen string) phoneAddress {
	base := a.baseURL(ctx)
	pa := phoneAddress{URL: a.orAddr(base)}
	host, port, err := net.SplitHostPort(a.cfg.Server.Addr)
	if err != nil {
		port = "8090"
	}
	pa.ListensLocal = isLoopback(host)
	if u, err := url.Parse(base); base == "" || err != nil || isLoopback(u.Hostname()) {
		pa.Unreachable = true
	}
	for _, ip := range a.lanIPs() {
		pa.Choices = append(pa.Choices, "http://"+net.JoinHostPort(ip.String(), port))
	}
	for _, c := range pa.Choices {
		if c == chosen {
			pa.Chosen, pa.URL = c, c
		}
	}
	return pa
}

// isLoopback reports whether host names this machine only (127.0.0.0/8, ::1, localhost).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// lanIPs lists this machine's IPv4 addresses on network interfaces that are up, loopback excluded: the addresses a
// phone on the same Wi-Fi may reach it at.
func lanIPs() []net.IP {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []net.IP
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, ad := range addrs {
			if n, ok := ad.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
				out = append(out, n.IP.To4())
			}
		}
	}
	return out
}
