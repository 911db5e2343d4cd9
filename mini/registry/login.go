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

// ErrNoLogin is returned by Login when the registry wants no login at all.
var ErrNoLogin = errors.New("the registry wants no login")

// Login checks a login against the registry behind domain before anyone saves it: a token
// server must grant a token for it, or a basic-auth registry must accept it at /v2/.
func (c *Client) Login(ctx context.Context, domain string, cred Credential) error {
	ep, err := c.endpoint(ctx, domain, "")
	if err != nil {
		return err
	}
	if ep.challenge == nil {
		return ErrNoLogin
	}
	switch ep.challenge.scheme {
	case "bearer":
		realm, err := c.realm(ep)
		if err != nil {
			return err
		}
		if _, err := c.fetchToken(ctx, realm, ep.challenge.params["service"], "", cred); err != nil {
			return fmt.Errorf("log in to %s: %w: wrong user name or password?", domain, err)
		}
		return nil
	case "basic":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.base+"/v2/", nil)
		if err != nil {
			return err
		}
		req.SetBasicAuth(cred.Username, cred.Password)
		resp, err := c.send(req, "try the login on the registry's /v2/")
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			err := statusError(resp, domain, "", "the login of "+cred.Username)
			if resp.StatusCode == http.StatusUnauthorized {
				err = fmt.Errorf("log in to %s: the registry refused user %s: wrong user name or password", domain, cred.Username)
			}
			return err
		}
		resp.Body.Close()
		return nil
	}
	return fmt.Errorf("registry %s asks for %q authentication, which Mini does not speak", domain, ep.challenge.scheme)
}

// Catalog lists the repositories on the registry behind domain (GET /v2/_catalog, page by page)
// whose name contains term. Docker Hub does not serve a catalog; most private registries do.
func (c *Client) Catalog(ctx context.Context, domain, term string) ([]string, error) {
	ep, err := c.endpoint(ctx, domain, "")
	if err != nil {
		return nil, err
	}
	var out []string
	next := ep.base + "/v2/_catalog?n=100"
	for pages := 0; next != "" && pages < 1000; pages++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		if err := c.authorize(ctx, ep, req, "registry:catalog:*"); err != nil {
			return nil, err
		}
		resp, err := c.send(req, "list the registry's repositories")
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, statusError(resp, domain, "", "the catalog of repositories")
		}
		var page struct {
			Repositories []string `json:"repositories"`
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&page)
		link := resp.Header.Get("Link")
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("registry %s: read the catalog: %w", domain, err)
		}
		for _, r := range page.Repositories {
			if strings.Contains(r, term) {
				out = append(out, r)
			}
		}
		next = nextPage(ep.base, link)
	}
	return out, nil
}

// nextPage reads a Link header (`</v2/_catalog?last=x&n=100>; rel="next"`) into a URL.
func nextPage(base, link string) string {
	target, params, ok := strings.Cut(link, ";")
	if !ok || !strings.Contains(params, `rel="next"`) {
		return ""
	}
	target = strings.Trim(strings.TrimSpace(target), "<>")
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	b, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return b.ResolveReference(u).String()
}
