//mini:chapter 06

// Package reference parses image references the way Docker does: `busybox` is
// docker.io/library/busybox:latest, `localhost:5000/team/app:v1` names a repository on another
// registry, and `@sha256:…` pins exact content.
//
// A reference has up to four parts: the registry (domain), the repository path on it, a tag, and
// a digest. Only the repository is required; the rest have Docker's defaults.
package reference

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
)

// The defaults Docker fills in for a short name.
const (
	DefaultDomain = "docker.io"
	DefaultTag    = "latest"
	// officialPrefix is where Docker Hub keeps its official images: `busybox` is library/busybox.
	officialPrefix = "library/"
	// legacyDomain is an old name for Docker Hub that Docker still accepts.
	legacyDomain = "index.docker.io"
	// maxNameLength is Docker's limit on domain + "/" + path.
	maxNameLength = 255
)

// The grammar, from the distribution project's reference package: a path component is
// lowercase letters and digits, separated by one of `.`, `_`, `__` or a run of `-`.
//
// The expressions are compiled on first use, not when the program starts: every Mini process
// (the container's init and its monitor too, which never parse a reference) would otherwise pay
// for them at start, about half a millisecond and 130 KB of heap each.
var (
	component = lazyRegexp(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	tagRe     = lazyRegexp(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	domainRe  = lazyRegexp(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?$`)
)

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// Reference is a parsed image reference, always complete: Domain and Path are set, and at least
// one of Tag and Digest.
type Reference struct {
	Domain string        // the registry: docker.io, localhost:5000, ghcr.io
	Path   string        // the repository on it: library/busybox, team/app
	Tag    string        // a tag, or "" when only a digest was given
	Digest digest.Digest // the content's digest, or ""
}

// Parse reads a reference as `docker pull` does and fills in Docker's defaults.
func Parse(s string) (Reference, error) {
	if s == "" {
		return Reference{}, errors.New("invalid reference \"\": an image name is required, e.g. busybox or localhost:5000/app:v1")
	}
	r, err := parse(s)
	if err != nil {
		return Reference{}, fmt.Errorf("invalid reference %q: %w", s, err)
	}
	return r, nil
}

func parse(s string) (Reference, error) {
	var r Reference
	name := s
	// The digest comes last: name[:tag]@algorithm:hex.
	if i := strings.Index(name, "@"); i >= 0 {
		d, err := digest.Parse(name[i+1:])
		if err != nil {
			return r, fmt.Errorf("bad digest %q: %v", name[i+1:], err)
		}
		r.Digest, name = d, name[:i]
	}
	// A tag is after the last colon, if that colon comes after the last slash (a colon before
	// it is a port: localhost:5000/app).
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		r.Tag, name = name[i+1:], name[:i]
		if !tagRe().MatchString(r.Tag) {
			return r, fmt.Errorf("bad tag %q: a tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'", r.Tag)
		}
	}
	r.Domain, r.Path = splitDomain(name)
	if r.Domain == legacyDomain {
		r.Domain = DefaultDomain
	}
	if !domainRe().MatchString(r.Domain) {
		return r, fmt.Errorf("bad registry %q", r.Domain)
	}
	if r.Domain == DefaultDomain && !strings.Contains(r.Path, "/") {
		r.Path = officialPrefix + r.Path
	}
	if err := checkPath(r.Path); err != nil {
		return r, err
	}
	if len(r.Domain)+1+len(r.Path) > maxNameLength {
		return r, fmt.Errorf("the name is longer than %d characters", maxNameLength)
	}
	if r.Tag == "" && r.Digest == "" {
		r.Tag = DefaultTag
	}
	return r, nil
}

// splitDomain takes the registry off the front of a name. Docker's rule: the first component is
// a registry only if it looks like a host (has a '.' or a ':', or is localhost, or has capitals);
// otherwise the name is on Docker Hub (`team/app` is docker.io/team/app).
func splitDomain(name string) (domain, path string) {
	i := strings.Index(name, "/")
	if i < 0 {
		return DefaultDomain, name
	}
	first := name[:i]
	if !strings.ContainsAny(first, ".:") && first != "localhost" && strings.ToLower(first) == first {
		return DefaultDomain, name
	}
	return first, name[i+1:]
}

// checkPath checks each component of the repository path.
func checkPath(path string) error {
	if path == "" {
		return errors.New("the repository name is empty")
	}
	if strings.ToLower(path) != path {
		return fmt.Errorf("repository name %q must be lowercase", path)
	}
	for _, c := range strings.Split(path, "/") {
		if !component().MatchString(c) {
			return fmt.Errorf("bad repository name %q: each part is lowercase letters and digits, separated by '.', '_', '__' or '-'", path)
		}
	}
	return nil
}

// Name is the repository with its registry: docker.io/library/busybox.
func (r Reference) Name() string { return r.Domain + "/" + r.Path }

// String is the full reference: docker.io/library/busybox:latest, or name@sha256:… .
func (r Reference) String() string {
	s := r.Name()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest.String()
	}
	return s
}

// Familiar is the short form Docker shows: busybox:latest, team/app:v1, localhost:5000/app:v1.
func (r Reference) Familiar() string {
	s := r.FamiliarName()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest.String()
	}
	return s
}

// FamiliarName is the repository as Docker shows it: busybox, team/app, localhost:5000/app.
func (r Reference) FamiliarName() string {
	if r.Domain != DefaultDomain {
		return r.Name()
	}
	return strings.TrimPrefix(r.Path, officialPrefix)
}

// Object is what the registry's manifest endpoint is asked for: the digest when there is one
// (it pins the content), otherwise the tag.
func (r Reference) Object() string {
	if r.Digest != "" {
		return r.Digest.String()
	}
	return r.Tag
}

// WithDigest returns the reference pinned to d, keeping its tag for display.
func (r Reference) WithDigest(d digest.Digest) Reference {
	r.Digest = d
	return r
}
