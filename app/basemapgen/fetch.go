package basemapgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxTileBytes bounds one downloaded tile.
const maxTileBytes = 8 << 20

// Fetcher downloads tiles with retries: 429 and 503 wait for Retry-After (at most MaxWait), other 5xx answers,
// network errors and requests that take longer than Timeout back off exponentially from Backoff; 404 and 204
// mean the source has no such tile.
type Fetcher struct {
	Client    *http.Client
	UserAgent string
	// Attempts is how many times one tile is tried before the job gives up (and River retries it later).
	Attempts int
	Timeout  time.Duration
	Backoff  time.Duration
	MaxWait  time.Duration
}

// NewFetcher builds a fetcher whose connections may reach private addresses only when trusted.
func NewFetcher(userAgent string, timeout time.Duration, trusted bool) *Fetcher {
	d := &net.Dialer{Timeout: timeout}
	if !trusted {
		d.Control = dialControl
	}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 16, IdleConnTimeout: time.Minute,
		TLSHandshakeTimeout: timeout, ResponseHeaderTimeout: timeout, Proxy: nil}
	client := &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return sourceError("validation_source_redirect", "the source redirected to a {{.scheme}} URL",
				"scheme", req.URL.Scheme)
		}
		return checkHost(req.URL.Hostname())
	}}
	return &Fetcher{Client: client, UserAgent: userAgent, Attempts: 6, Timeout: timeout, Backoff: 500 * time.Millisecond,
		MaxWait: 2 * time.Minute}
}

// errNoTile is the source's answer for a tile it does not have.
var errNoTile = errors.New("no such tile")

// PermanentError is a source's answer that retrying will not change (403, 401, 400, a web page instead of a
// tile): the job stops with its message.
type PermanentError struct{ Reason string }

func (e *PermanentError) Error() string { return e.Reason }

// Fetch downloads one tile, retrying as the type says. It returns errNoTile for a tile the source lacks.
func (f *Fetcher) Fetch(ctx context.Context, url string) ([]byte, error) {
	var last error
	wait := f.Backoff
	for attempt := 1; attempt <= f.Attempts; attempt++ {
		body, retryAfter, err := f.once(ctx, url)
		if err == nil || errors.Is(err, errNoTile) {
			return body, err
		}
		var pe *PermanentError
		var se *SourceError
		if errors.As(err, &pe) || errors.As(err, &se) || ctx.Err() != nil {
			return nil, err
		}
		last = err
		d := wait
		if retryAfter > 0 {
			d = min(retryAfter, f.MaxWait)
		}
		wait = min(wait*2, f.MaxWait)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	return nil, fmt.Errorf("after %d attempts: %w", f.Attempts, last)
}

// once makes one request; a failed one may say how long to wait (Retry-After).
func (f *Fetcher) once(ctx context.Context, url string) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, f.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, &PermanentError{Reason: "the tile URL is not valid"}
	}
	req.Header.Set("User-Agent", f.UserAgent)
	resp, err := f.Client.Do(req)
	if err != nil {
		var se *SourceError
		if errors.As(err, &se) {
			return nil, 0, se
		}
		return nil, 0, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
		if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/") {
			return nil, 0, &PermanentError{Reason: fmt.Sprintf("the source answered a %s page instead of a tile: "+
				"check the URL template", ct)}
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxTileBytes+1))
		if err != nil {
			return nil, 0, err
		}
		if len(body) > maxTileBytes {
			return nil, 0, &PermanentError{Reason: "the source sent a tile larger than 8 MiB"}
		}
		if len(body) == 0 {
			return nil, 0, errNoTile
		}
		return body, 0, nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusNoContent:
		return nil, 0, errNoTile
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, retryAfter(resp.Header.Get("Retry-After")), fmt.Errorf("the source answered %s", resp.Status)
	}
	return nil, 0, &PermanentError{Reason: fmt.Sprintf("the source refused a tile with %s: check the URL and "+
		"its key", resp.Status)}
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}
