//mini:chapter 07

package ui

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultListen is where `mini ui` serves when no --listen is given.
const DefaultListen = "127.0.0.1:8088"

// static is the page's script. (A file of mini/ must start with its chapter marker, which only a
// file with // comments can carry: the HTML and the style sheet are in page.go.)
//
//go:embed static/app.js
var static embed.FS

// ServerOptions say where the page is served and what it shows.
type ServerOptions struct {
	Listen string // host:port; DefaultListen when empty
	// Remote allows an address that is not loopback. The page shows the host's processes,
	// mounts and firewall rules to whoever can reach it, and has no login: off by default.
	Remote    bool
	Collector *Collector
}

// CheckListen refuses an address that is not a loopback one, unless remote is allowed.
func CheckListen(addr string, remote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("--listen %q: want HOST:PORT, e.g. %s", addr, DefaultListen)
	}
	if remote {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--listen %s is not a loopback address: the page shows the host's containers to anyone who can reach it; use 127.0.0.1:PORT, or add --remote if you mean it", addr)
	}
	return nil
}

// Listen opens the listening socket (so that a port in use is reported before anything else).
func Listen(o ServerOptions) (net.Listener, error) {
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if err := CheckListen(o.Listen, o.Remote); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another mini ui running? choose another port with --listen)", o.Listen, err)
	}
	return l, nil
}

// Serve serves the page on l until ctx is done.
func Serve(ctx context.Context, l net.Listener, o ServerOptions) error {
	srv := &http.Server{Handler: Handler(o), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Handler is the page (/), its script (/static/app.js), and the snapshot it polls (/api/snapshot).
func Handler(o ServerOptions) http.Handler {
	files, _ := fs.Sub(static, "static")
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(files)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	})
	var mu sync.Mutex // one snapshot at a time: the collector keeps a cache
	mux.HandleFunc("GET /api/snapshot", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		s := o.Collector.Snapshot()
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(s)
	})
	return guard(o.Remote, mux)
}

// guard answers only GET and HEAD (the page changes nothing, and takes no requests that could),
// and, unless remote access was asked for, only requests addressed to a loopback name: a web
// page elsewhere that points a name it controls at 127.0.0.1 (DNS rebinding) must not read the
// host's containers through the visitor's browser.
func guard(remote bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "mini ui is read-only: only GET", http.StatusMethodNotAllowed)
			return
		}
		if !remote {
			host := r.Host
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			host = strings.Trim(host, "[]")
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				http.Error(w, "mini ui answers requests to 127.0.0.1 or localhost only", http.StatusForbidden)
				return
			}
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}
