//mini:chapter 06

package image

import (
	"runtime"
	"sync"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Unpacking while downloading. A pull fetches several layers at once, and each is unpacked once
// its blob is verified. Waiting for the last download before the first unpack would leave the
// CPU idle while the network works, then the network idle while the CPU works; so the store
// starts on each layer as soon as its blob is in (the registry client calls LayerIn), and Add,
// which unpacks every layer of the image, waits for those that are under way. A layer unpacked
// for a pull that then fails is one no image uses: `mini image verify` counts it, `mini image
// prune` removes it, and the next pull of the image uses it.
type earlyUnpacks struct {
	sem     chan struct{} // one unpack per CPU
	mu      sync.Mutex
	running map[digest.Digest]chan struct{} // diffID → closed once its unpack has ended
	configs map[digest.Digest][]digest.Digest
}

func newEarlyUnpacks() *earlyUnpacks {
	return &earlyUnpacks{
		sem:     make(chan struct{}, runtime.GOMAXPROCS(0)),
		running: map[digest.Digest]chan struct{}{},
		configs: map[digest.Digest][]digest.Digest{},
	}
}

// LayerIn starts unpacking layer l, the index-th of the image whose config blob is config, now
// that its blob is in the store, unless it is unpacked already or under way. An error is not
// reported here: Add unpacks the layer again and says what is wrong.
func (s *Store) LayerIn(config, l v1.Descriptor, index int) {
	e := s.early
	if e == nil || s.Explain.Enabled() {
		return // with --explain, Add unpacks one layer after the other, so the narration reads in order
	}
	diffIDs, ok := s.diffIDs(config.Digest)
	if !ok || index >= len(diffIDs) {
		return
	}
	diffID := diffIDs[index]
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, started := e.running[diffID]; started {
		return
	}
	done := make(chan struct{})
	e.running[diffID] = done
	go func() {
		defer close(done)
		e.sem <- struct{}{}
		defer func() { <-e.sem }()
		s.unpack(l, diffID)
	}()
}

// diffIDs reads the config's diff_ids once per config.
func (s *Store) diffIDs(config digest.Digest) ([]digest.Digest, bool) {
	e := s.early
	e.mu.Lock()
	ids, ok := e.configs[config]
	e.mu.Unlock()
	if ok {
		return ids, true
	}
	ids, err := s.diffIDsOf(config)
	if err != nil {
		return nil, false
	}
	e.mu.Lock()
	e.configs[config] = ids
	e.mu.Unlock()
	return ids, true
}

// waitUnpack waits for LayerIn's unpack of diffID, if one was started.
func (s *Store) waitUnpack(diffID digest.Digest) {
	if s.early == nil {
		return
	}
	s.early.mu.Lock()
	done := s.early.running[diffID]
	s.early.mu.Unlock()
	if done != nil {
		<-done
	}
}

// waitUnpacks waits for every unpack LayerIn started: none may be cut short half-way, whatever
// the pull did afterwards.
func (s *Store) waitUnpacks() {
	if s.early == nil {
		return
	}
	s.early.mu.Lock()
	var all []chan struct{}
	for _, done := range s.early.running {
		all = append(all, done)
	}
	s.early.mu.Unlock()
	for _, done := range all {
		<-done
	}
}
