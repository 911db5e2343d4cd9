//mini:chapter 06

package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// challenge is what a registry's 401 asks for, from its WWW-Authenticate header:
//
//	Bearer realm="https://auth.docker.io/token",service="registry.docker.io"
//	Basic realm="Registry Realm"
type challenge struct {
	scheme string            // "bearer" or "basic", lowercased
	params map[string]string // realm, service, scope
}

// ping asks GET /v2/. 200: the registry wants no login. 401: its WWW-Authenticate header says
// how to log in, and that is remembered for every later request to it.
func (c *Client) ping(ctx context.Context, ep *endpoint) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.base+"/v2/", nil)
	if err != nil {
		return fmt.Errorf("registry %s: %w", ep.domain, err)
	}
	resp, err := c.send(req, "ping the registry: is it a Distribution v2 registry, and does it want a login? (-i: a 401's WWW-Authenticate header says how)", "-i")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusUnauthorized:
		ch, err := parseChallenge(resp.Header.Get("WWW-Authenticate"))
		if err != nil {
			return fmt.Errorf("registry %s: %w", ep.domain, err)
		}
		ep.challenge = &ch
		return nil
	}
	return statusError(resp, ep.domain, "", "the API version check GET /v2/")
}

// authorize adds the Authorization header a request to ep needs for scope
// ("repository:library/busybox:pull"): none, the login as basic auth, or a bearer token for
// that scope, fetched once and then reused.
func (c *Client) authorize(ctx context.Context, ep *endpoint, req *http.Request, scope string) error {
	if ep.challenge == nil {
		return nil
	}
	cred, haveCred := c.opts.Credentials[ep.domain]
	switch ep.challenge.scheme {
	case "basic":
		if haveCred {
			req.SetBasicAuth(cred.Username, cred.Password)
		}
		return nil
	case "bearer":
		ep.mu.Lock()
		defer ep.mu.Unlock()
		token, ok := ep.tokens[scope]
		if !ok {
			realm, err := c.realm(ep)
			if err != nil {
				return err
			}
			if token, err = c.fetchToken(ctx, realm, ep.challenge.params["service"], scope, cred); err != nil {
				return fmt.Errorf("registry %s: get a token for %s: %w (if it needs a login: mini login %s)", ep.domain, scope, err, ep.domain)
			}
			ep.tokens[scope] = token
		}
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
	return fmt.Errorf("registry %s asks for %q authentication, which Mini does not speak (it speaks Bearer and Basic)", ep.domain, ep.challenge.scheme)
}

// forgetToken drops the bearer token a refused request carried (its Authorization header), so
// the next request for scope fetches a new one; a layer fetched beside it may have done so
// already. It reports whether the request carried a token at all, i.e. whether to try again.
func (ep *endpoint) forgetToken(scope string, refused *http.Request) bool {
	used, ok := strings.CutPrefix(refused.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.tokens[scope] == used {
		delete(ep.tokens, scope)
	}
	return true
}

// realm is the challenge's token server. A password goes there, so it must be HTTPS unless the
// token server is one that may be reached in plain HTTP (loopback, or configured insecure).
func (c *Client) realm(ep *endpoint) (*url.URL, error) {
	u, err := url.Parse(ep.challenge.params["realm"])
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("registry %s sent a bad token realm %q", ep.domain, ep.challenge.params["realm"])
	}
	if u.Scheme == "http" && !c.insecure(u.Host) {
		return nil, fmt.Errorf("registry %s sends us for a token to %s over plain HTTP; refusing (add %q to \"insecure-registries\" if you trust it)", ep.domain, u.Redacted(), u.Host)
	}
	return u, nil
}

// tokenResponse is the token server's answer. Docker's token spec calls the token "token";
// OAuth2 servers call it "access_token"; many send both.
type tokenResponse struct {
	Token       string `json:"token"`
	AccessToken string `json:"access_token"`
}

// fetchToken does the token dance's second half: the registry said 401 and named a realm (a
// token server) and a service; ask the realm for a token that grants scope, logging in with cred
// if there is one (no credential: an anonymous token, enough to pull public images).
func (c *Client) fetchToken(ctx context.Context, realm *url.URL, service, scope string, cred Credential) (string, error) {
	//mini:solution 06.1 The token dance: GET the realm with service and scope (the login as basic auth, if any) and read the token from the JSON answer.
	u := *realm
	q := u.Query()
	if service != "" {
		q.Set("service", service)
	}
	if scope != "" {
		q.Set("scope", scope)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	if cred.Username != "" {
		req.SetBasicAuth(cred.Username, cred.Password)
	}
	resp, err := c.send(req, "ask the token server for a token that grants "+scope)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the token server %s answered %s", u.Host, resp.Status)
	}
	var tr tokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tr); err != nil {
		return "", fmt.Errorf("read the token server's answer: %w", err)
	}
	if tr.Token == "" {
		tr.Token = tr.AccessToken
	}
	if tr.Token == "" {
		return "", errors.New("the token server's answer has no token")
	}
	return tr.Token, nil
	//mini:stub return "", todo.Step("06.1")
	//mini:end
}

// parseChallenge reads a WWW-Authenticate header (RFC 7235): a scheme, then comma-separated
// key=value or key="quoted value" parameters.
func parseChallenge(h string) (challenge, error) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	ch := challenge{scheme: strings.ToLower(scheme), params: map[string]string{}}
	if ch.scheme == "" {
		return ch, errors.New("it answered 401 without a WWW-Authenticate header, so there is no way to log in")
	}
	for rest = strings.TrimSpace(rest); rest != ""; {
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			return ch, fmt.Errorf("bad WWW-Authenticate header %q", h)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		var value string
		if strings.HasPrefix(after, `"`) {
			// A quoted string; a backslash escapes the next character.
			var b strings.Builder
			i := 1
			for ; i < len(after) && after[i] != '"'; i++ {
				if after[i] == '\\' && i+1 < len(after) {
					i++
				}
				b.WriteByte(after[i])
			}
			if i >= len(after) {
				return ch, fmt.Errorf("bad WWW-Authenticate header %q: unterminated quote", h)
			}
			value, after = b.String(), after[i+1:]
		} else {
			value, after, _ = strings.Cut(after, ",")
			value = strings.TrimSpace(value)
			after = "," + after
		}
		ch.params[key] = value
		after = strings.TrimSpace(after)
		after = strings.TrimPrefix(after, ",")
		rest = strings.TrimSpace(after)
	}
	if ch.scheme == "bearer" && ch.params["realm"] == "" {
		return ch, fmt.Errorf("bad WWW-Authenticate header %q: a Bearer challenge needs a realm", h)
	}
	return ch, nil
}
