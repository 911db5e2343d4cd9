//mini:chapter 06

package image

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/minikit/kit/mini/state"
)

// A Lease is a running container's claim on its image. A container's root is an overlay whose
// lower layers are the image's unpacked layers, in this store: deleting them under a running
// container would pull the floor from under it. So a run takes a lease while it finds its image,
// with the store open, and holds it until it ends: meanwhile rmi refuses to delete the image
// and prune keeps its layers.
//
// A lease is a file in <store>/leases/ that names the image and the run's PID, flock'ed by the
// run. The kernel drops a flock when its process ends, however it ends, so a lease never
// outlives its run: the file of a run that was killed holds no lock, and the next deletion
// removes it. (From chapter 07 on, a container record protects its image for as long as the
// container exists; the lease covers the time before the record is written, and the runs that
// keep none.)
type Lease struct {
	f *os.File
}

func (s *Store) leaseDir() string { return filepath.Join(s.dir, "leases") }

// Lease claims the image id for as long as the returned Lease is not released (or the process
// lives). The store must be open: a deletion, which holds the store lock exclusively, then
// cannot run between the lookup of the image and its lease.
func (s *Store) Lease(id digest.Digest) (*Lease, error) {
	if err := os.MkdirAll(s.leaseDir(), 0o700); err != nil {
		return nil, fmt.Errorf("lease image %s: %w", id, err)
	}
	f, err := os.CreateTemp(s.leaseDir(), "run-")
	if err != nil {
		return nil, fmt.Errorf("lease image %s: %w", id, err)
	}
	if _, err = fmt.Fprintf(f, "%s %d\n", id, os.Getpid()); err == nil {
		var ok bool
		ok, err = state.TryRelock(f, state.Exclusive)
		if err == nil && !ok {
			err = errors.New("another process holds its new file") // cannot happen: nobody has it open
		}
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("lease image %s: %w", id, err)
	}
	return &Lease{f: f}, nil
}

// Release gives the lease up. A nil Lease releases nothing.
func (l *Lease) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := os.Remove(l.f.Name())
	l.f.Close()
	l.f = nil
	return err
}

// leaseHolder is a live lease: the image it claims and the PID of the run that holds it.
type leaseHolder struct {
	image digest.Digest
	pid   int
}

// leases lists the live leases and removes the files of runs that ended without releasing
// theirs. The caller holds the store lock exclusively, so no lease is being taken meanwhile.
func (s *Store) leases() ([]leaseHolder, error) {
	entries, err := os.ReadDir(s.leaseDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the image leases: %w", err)
	}
	var live []leaseHolder
	for _, e := range entries {
		path := filepath.Join(s.leaseDir(), e.Name())
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // released while we listed
		}
		if err != nil {
			return nil, fmt.Errorf("read the image lease %s: %w", path, err)
		}
		free, err := state.TryRelock(f, state.Shared)
		if err != nil {
			f.Close()
			return nil, err
		}
		if free {
			os.Remove(path) // its run has ended
			f.Close()
			continue
		}
		data, err := io.ReadAll(f)
		f.Close()
		fields := strings.Fields(string(data))
		if err != nil || len(fields) != 2 {
			continue // released while we read it
		}
		pid, _ := strconv.Atoi(fields[1])
		live = append(live, leaseHolder{image: digest.Digest(fields[0]), pid: pid})
	}
	return live, nil
}

// leased refuses to delete an image that a running container uses. No flag overrides it, as
// Docker's `rmi -f` does not for an image a running container uses.
func (s *Store) leased(name string, id digest.Digest) error {
	live, err := s.leases()
	if err != nil {
		return err
	}
	for _, l := range live {
		if l.image == id {
			return fmt.Errorf("cannot remove image %s (cannot be forced): a running container uses it (mini run, PID %d): stop that container first", name, l.pid)
		}
	}
	return nil
}

// markInUse adds to a collection's marks the config blob and the layers of every image a
// container uses: an image that lost its last name while a container ran from it (a pull moved
// the tag) keeps its layers until that container ends.
func (s *Store) markInUse(blobs, layers map[string]bool) error {
	live, err := s.leases()
	if err != nil {
		return err
	}
	var ids []digest.Digest
	for _, l := range live {
		ids = append(ids, l.image)
	}
	//mini:begin 07
	if s.Used != nil {
		used, err := s.Used()
		if err != nil {
			return err
		}
		ids = append(ids, used...)
	}
	//mini:end 07
	for _, id := range ids {
		if id.Validate() != nil {
			continue
		}
		blobs[id.Encoded()] = true
		diffIDs, err := s.diffIDsOf(id)
		if err != nil {
			continue // no config: nothing more of the image to keep
		}
		for _, d := range diffIDs {
			layers[d.Encoded()] = true
		}
	}
	return nil
}
