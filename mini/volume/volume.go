//mini:chapter 07

// Package volume gives a container directories that are not part of its overlay: a directory of
// the host (a bind mount, -v /srv/data:/data) or a volume that Mini keeps for it under the state
// root (-v data:/data, or -v /data for an anonymous one). Either way the kernel mechanism is the
// same: a bind mount, made on the init side before the root changes, at a target looked up
// inside the container's root. What a container writes there is not in its upper layer: it
// survives `mini rm`, and a commit does not take it into an image.
package volume

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Mount is one -v: what to mount where, as the init side needs it.
type Mount struct {
	Source    string // the host directory or file; for a volume, its _data directory
	Target    string // the absolute path in the container
	ReadOnly  bool
	Volume    string // the volume's name; "" for a bind mount of a host path
	Anonymous bool   // a volume with no name given (-v /data): `mini rm -v` removes it
}

// namePattern is Docker's rule for volume names.
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// Parse reads one -v: HOST:CONTAINER[:ro|rw], NAME:CONTAINER[:ro|rw] or CONTAINER alone.
// A HOST path must exist (Docker's -v would make an empty directory and hide a typo).
func Parse(spec string) (Mount, error) {
	parts := strings.Split(spec, ":")
	var m Mount
	switch len(parts) {
	case 1:
		m = Mount{Target: parts[0], Anonymous: true}
	case 2, 3:
		m = Mount{Source: parts[0], Target: parts[1]}
		if len(parts) == 3 {
			switch parts[2] {
			case "ro":
				m.ReadOnly = true
			case "rw":
			default:
				return m, fmt.Errorf("invalid -v %q: the options after the second colon are ro or rw", spec)
			}
		}
	default:
		return m, fmt.Errorf("invalid -v %q: use HOST-PATH:CONTAINER-PATH[:ro], VOLUME:CONTAINER-PATH[:ro] or CONTAINER-PATH", spec)
	}
	if !filepath.IsAbs(m.Target) || filepath.Clean(m.Target) == "/" {
		return m, fmt.Errorf("invalid -v %q: the container path must be absolute, and not /", spec)
	}
	m.Target = filepath.Clean(m.Target)
	switch {
	case m.Anonymous:
	case filepath.IsAbs(m.Source):
		if _, err := os.Stat(m.Source); err != nil {
			return m, fmt.Errorf("invalid -v %q: the host path %s does not exist: create it first, or give a volume name instead of a path", spec, m.Source)
		}
		m.Source = filepath.Clean(m.Source)
	case namePattern.MatchString(m.Source):
		m.Volume, m.Source = m.Source, ""
	default:
		return m, fmt.Errorf("invalid -v %q: %q is neither an absolute host path nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)", spec, m.Source)
	}
	return m, nil
}

// Store is the volumes under a state root: <root>/volumes/<name>/_data.
type Store struct{ dir string }

// Open opens the volumes of a state root.
func Open(stateRoot string) (*Store, error) {
	dir := filepath.Join(stateRoot, "volumes")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the volumes directory: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Volume is one volume.
type Volume struct {
	Name       string
	Mountpoint string // its _data directory: what containers see
}

func (s *Store) volume(name string) Volume {
	return Volume{Name: name, Mountpoint: filepath.Join(s.dir, name, "_data")}
}

// Create makes a volume; one that exists is returned as it is (as `docker volume create`).
func (s *Store) Create(name string) (Volume, error) {
	if !namePattern.MatchString(name) {
		return Volume{}, fmt.Errorf("invalid volume name %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, two characters at least", name)
	}
	v := s.volume(name)
	// The _data level keeps the volume's own files apart from what Mini may keep about it.
	if err := os.MkdirAll(v.Mountpoint, 0o755); err != nil {
		return Volume{}, fmt.Errorf("create volume %s: %w", name, err)
	}
	return v, nil
}

// Get returns an existing volume.
func (s *Store) Get(name string) (Volume, error) {
	v := s.volume(name)
	if !namePattern.MatchString(name) {
		return v, fmt.Errorf("no such volume: %s", name)
	}
	if _, err := os.Stat(v.Mountpoint); err != nil {
		return v, fmt.Errorf("no such volume: %s (mini volume ls lists them)", name)
	}
	return v, nil
}

// List returns every volume, by name.
func (s *Store) List() ([]Volume, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list the volumes: %w", err)
	}
	var vs []Volume
	for _, e := range entries {
		if e.IsDir() {
			vs = append(vs, s.volume(e.Name()))
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Name < vs[j].Name })
	return vs, nil
}

// Remove deletes a volume and everything in it. Whether a container still uses it is the
// caller's to check (the engine knows the containers).
func (s *Store) Remove(name string) error {
	v, err := s.Get(name)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Dir(v.Mountpoint)); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	return nil
}

// Resolve fills in the source of a volume mount, creating the volume when it does not exist
// (a named one, as Docker does, or an anonymous one under a new random name).
func (s *Store) Resolve(m Mount) (Mount, error) {
	if m.Anonymous && m.Volume == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return m, err
		}
		m.Volume = hex.EncodeToString(b)
	}
	if m.Volume == "" {
		return m, nil // a host path
	}
	v, err := s.Create(m.Volume)
	if err != nil {
		return m, err
	}
	m.Source = v.Mountpoint
	return m, nil
}

// ErrInUse is returned for a volume a container uses.
var ErrInUse = errors.New("volume is in use")
