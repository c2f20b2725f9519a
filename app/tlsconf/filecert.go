package tlsconf

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// reloadEvery is how often the operator's certificate files are looked at for a renewed certificate.
const reloadEvery = time.Minute

// FileCert serves the certificate and key in two PEM files, and loads them again when either changes (a renewal
// by certbot or the like), keeping the old pair if the new one does not load.
type FileCert struct {
	certFile, keyFile string
	log               *slog.Logger
	every             time.Duration // reloadEvery; tests look at every call

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // the files' sizes and modification times when cert was loaded
	checked time.Time
}

// NewFileCert loads the pair, failing with the reason when it does not load.
func NewFileCert(certFile, keyFile string, log *slog.Logger) (*FileCert, error) {
	fc := &FileCert{certFile: certFile, keyFile: keyFile, log: log, every: reloadEvery}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	fc.cert, fc.stamp, fc.checked = &cert, fc.fileStamp(), time.Now()
	return fc, nil
}

func (fc *FileCert) fileStamp() string {
	s := ""
	for _, p := range []string{fc.certFile, fc.keyFile} {
		if fi, err := os.Stat(p); err == nil {
			s += fmt.Sprintf("%s/%d;", fi.ModTime(), fi.Size())
		}
	}
	return s
}

// GetCertificate serves the pair, loading it again first when the files changed since the last look.
func (fc *FileCert) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if time.Since(fc.checked) >= fc.every {
		fc.checked = time.Now()
		if st := fc.fileStamp(); st != fc.stamp {
			cert, err := tls.LoadX509KeyPair(fc.certFile, fc.keyFile)
			if err != nil {
				fc.log.Warn("the changed certificate files do not load; serving the previous certificate",
					"cert_file", fc.certFile, "err", err)
			} else {
				fc.cert, fc.stamp = &cert, st
				fc.log.Info("certificate files loaded again", "cert_file", fc.certFile)
			}
		}
	}
	return fc.cert, nil
}
