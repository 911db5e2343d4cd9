//mini:chapter 06

package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// send does one HTTP exchange: it narrates the request as the curl command that does the same,
// and bounds it in time. Connecting and the answer's headers are bounded by the transport; the
// body by a watchdog that cancels the request when nothing arrives for the timeout. Closing the
// body releases both.
func (c *Client) send(req *http.Request, what string, curlFlags ...string) (*http.Response, error) {
	c.narrate(curl(req, curlFlags...), what)
	ctx, cancel := context.WithCancelCause(req.Context())
	timedOut := fmt.Errorf("no answer for %s", c.opts.Timeout)
	// The headers, too, are bounded here: a custom transport (tests) has no timeouts of its own.
	dog := time.AfterFunc(c.opts.Timeout, func() { cancel(timedOut) })
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		dog.Stop()
		cause := context.Cause(ctx)
		cancel(nil)
		var ne net.Error
		if errors.Is(cause, timedOut) || (errors.As(err, &ne) && ne.Timeout()) {
			return nil, fmt.Errorf("registry %s did not answer within %s (%s %s): is it up, and is the address right?", req.URL.Host, c.opts.Timeout, req.Method, req.URL.Path)
		}
		return nil, fmt.Errorf("registry %s did not answer (%s %s): %w: is it up, and is the address right?", req.URL.Host, req.Method, req.URL.Path, err)
	}
	dog.Reset(c.opts.Timeout)
	resp.Body = &watchedBody{body: resp.Body, dog: dog, timeout: c.opts.Timeout, ctx: ctx, cancel: cancel, host: req.URL.Host}
	return resp, nil
}

// watchedBody restarts the watchdog whenever bytes arrive: a slow registry is fine, a silent
// one is an error.
type watchedBody struct {
	body    io.ReadCloser
	dog     *time.Timer
	timeout time.Duration
	ctx     context.Context
	cancel  context.CancelCauseFunc
	host    string
	once    sync.Once
}

func (w *watchedBody) Read(p []byte) (int, error) {
	n, err := w.body.Read(p)
	if n > 0 {
		w.dog.Reset(w.timeout)
	}
	if err != nil && err != io.EOF {
		if cause := context.Cause(w.ctx); cause != nil {
			err = fmt.Errorf("registry %s stopped sending: %w", w.host, cause)
		}
	}
	return n, err
}

func (w *watchedBody) Close() error {
	err := w.body.Close()
	w.once.Do(func() {
		w.dog.Stop()
		w.cancel(nil)
	})
	return err
}

// curl writes req as a curl command a student can type (flags: curl's own, e.g. -i to show the
// answer's headers). Credentials never appear: a basic login
// shows its user and REDACTED, a bearer token shows as $TOKEN.
func curl(req *http.Request, flags ...string) string {
	args := append([]string{"curl", "-s"}, flags...)
	switch req.Method {
	case http.MethodHead:
		args = append(args, "-I")
	case http.MethodGet:
	default:
		args = append(args, "-X", req.Method)
	}
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range req.Header[k] {
			if k == "Authorization" {
				args = append(args, redactAuth(v)...)
				continue
			}
			args = append(args, "-H", shellQuote(k+": "+v))
		}
	}
	return strings.Join(append(args, shellQuote(req.URL.String())), " ")
}

// redactAuth turns an Authorization header into curl arguments without its secret.
func redactAuth(v string) []string {
	scheme, rest, _ := strings.Cut(v, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		user := "USER"
		if b, err := base64.StdEncoding.DecodeString(rest); err == nil {
			if u, _, ok := strings.Cut(string(b), ":"); ok {
				user = u
			}
		}
		return []string{"-u", shellQuote(user + ":REDACTED")}
	case "bearer":
		return []string{"-H", `"Authorization: Bearer $TOKEN"`}
	}
	return []string{"-H", shellQuote("Authorization: " + scheme + " REDACTED")}
}

// shellQuote quotes s for sh when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Error is an answer from a registry that was not what was asked for.
type Error struct {
	Registry string // the reference's domain
	Repo     string // the repository, or "" for the registry itself
	What     string // what was asked: "manifest busybox:latest", "blob sha256:…"
	Status   int    // the HTTP status
	Detail   string // the registry's own message, if it sent one
}

func (e *Error) Error() string {
	detail := ""
	if e.Detail != "" {
		detail = " (" + e.Detail + ")"
	}
	switch {
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return fmt.Sprintf("registry %s refused access to %s%s: log in with: mini login %s", e.Registry, e.subject(), detail, e.Registry)
	case e.Status == http.StatusNotFound && strings.HasPrefix(e.What, "manifest "):
		return fmt.Sprintf("no such image: %s%s: check the name and the tag", strings.TrimPrefix(e.What, "manifest "), detail)
	case e.Status == http.StatusNotFound:
		return fmt.Sprintf("no such image: registry %s has no %s%s", e.Registry, e.What, detail)
	case e.Status == http.StatusTooManyRequests:
		return fmt.Sprintf("registry %s limits how often it may be asked (429) for %s%s: wait, or log in with: mini login %s", e.Registry, e.What, detail, e.Registry)
	case e.Status >= 500:
		return fmt.Sprintf("registry %s failed with %d %s on %s%s: the registry is in trouble, try again later", e.Registry, e.Status, http.StatusText(e.Status), e.What, detail)
	}
	return fmt.Sprintf("registry %s answered %d %s for %s%s", e.Registry, e.Status, http.StatusText(e.Status), e.What, detail)
}

func (e *Error) subject() string {
	if e.Repo == "" {
		return e.What
	}
	return e.Repo
}

// statusError reads the registry's error body ({"errors":[{"code":…,"message":…}]}) into an
// *Error and closes the body.
func statusError(resp *http.Response, domain, repo, what string) error {
	defer resp.Body.Close()
	var body struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	var detail []string
	if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body) == nil {
		for _, e := range body.Errors {
			detail = append(detail, strings.TrimSpace(strings.ToLower(e.Code)+": "+e.Message))
		}
	}
	return &Error{Registry: domain, Repo: repo, What: what, Status: resp.StatusCode, Detail: strings.Join(detail, "; ")}
}
