//mini:chapter 06

package image

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/image/reference"
	"github.com/minikit/kit/mini/layer"
	"github.com/minikit/kit/mini/state"
)

// NewImage is an image whose blobs are in the store (a pull or an import put them there), to be
// recorded under a name.
type NewImage struct {
	// Ref is the name to record: its tag, or, for an image pulled by digest only, name@digest.
	Ref reference.Reference
	// Manifest is the image manifest's exact bytes: its sha256 is the manifest digest. Add
	// stores it as a blob if it is not one yet.
	Manifest []byte
	// RepoDigest is what the registry named (the digest `docker images --digests` shows), or "".
	RepoDigest digest.Digest
}

// Add records an image: it checks that the config and every layer blob are there, unpacks each
// layer the store has not unpacked yet, stores the manifest, and only then points the name at
// the image. Killed halfway, it leaves blobs and maybe whole layers that nothing names yet; the
// next Add of the same image finds them and finishes.
func (s *Store) Add(n NewImage) (*Image, error) {
	m, err := parseManifest(n.Manifest)
	if err != nil {
		return nil, err
	}
	cb, err := s.readBlob(m.Config.Digest)
	if err != nil {
		return nil, fmt.Errorf("the image config: %w (pull the image again)", err)
	}
	cfg, err := parseConfig(cb, m)
	if err != nil {
		return nil, err
	}
	if err := s.unpackAll(m.Layers, cfg.RootFS.DiffIDs); err != nil {
		return nil, err
	}
	key, err := refKey(n.Ref)
	if err != nil {
		return nil, err
	}
	// The manifest goes in last, once every layer is unpacked: an image whose layer is refused
	// leaves no manifest behind.
	md := digest.FromBytes(n.Manifest)
	if !s.HasBlob(md) {
		if _, _, err := s.putBlob(bytes.NewReader(n.Manifest), md.Encoded(), nil, -1); err != nil {
			return nil, err
		}
	}
	s.Explain.Stepf(mechanism, explain.None, "name %s → manifest %s (image ID %s) in %s: a new index written whole and renamed over the old, under a flock",
		key, short(md), short(m.Config.Digest), s.indexFile())
	err = s.updateIndex(func(idx *index) error {
		idx.Refs[key] = entry{Manifest: md, Config: m.Config.Digest, RepoDigest: n.RepoDigest}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Resolve(key)
}

// refKey is the index key of a reference: name:tag, or name@digest when there is no tag.
func refKey(r reference.Reference) (string, error) {
	if r.Path == "" {
		return "", errors.New("record an image: the reference has no repository name")
	}
	if r.Tag != "" {
		r.Digest = ""
	}
	return r.String(), nil
}

// layerRecord is layers/<hex>/layer.json: written when the layer is complete, checked by Verify.
type layerRecord struct {
	DiffID digest.Digest `json:"diff_id"`
	Blob   digest.Digest `json:"blob"` // the blob it was unpacked from (one of them: see unpack)
	Size   layer.Size    `json:"size"`
}

// unpackAll unpacks an image's layers, as many at once as there are CPUs. Unpacking is mostly
// the kernel's work, an inode and a directory entry for each of thousands of files, and a second
// core does it as fast as the first. Each layer goes into a temporary directory of its own, so
// the order does not matter; with --explain they go one by one, so that the narration reads in
// order. The error of the lowest failing layer is returned, as it would be one by one.
func (s *Store) unpackAll(layers []v1.Descriptor, diffIDs []digest.Digest) error {
	workers := runtime.GOMAXPROCS(0)
	if s.Explain.Enabled() {
		workers = 1
	}
	sem := make(chan struct{}, workers)
	errs := make([]error, len(layers))
	seen := map[digest.Digest]bool{}
	var wg sync.WaitGroup
	for i, l := range layers {
		if seen[diffIDs[i]] {
			continue // the same layer twice (empty layers often are): unpacked once
		}
		seen[diffIDs[i]] = true
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s.waitUnpack(diffIDs[i]) // one a pull started early (early.go): done, then, or failed
			errs[i] = s.unpack(l, diffIDs[i])
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// unpack unpacks a layer blob into layers/<diffID-hex>/ unless that is there already.
//
// The layer goes into a temporary directory first and is renamed into place only when it is
// complete, its diffID checked and its bytes synced: a layer directory under its real name is
// always whole, so a killed Mini never leaves a half layer that a container would use. Two Minis
// unpacking the same layer at once both do the work; the first rename wins and the second
// discards its copy. Two images can carry the same layer compressed differently (two blobs, one
// diffID): it is unpacked once, which is why layers are named by diffID and not by blob.
func (s *Store) unpack(l v1.Descriptor, diffID digest.Digest) error {
	final := s.layerDir(diffID)
	if _, err := os.Stat(final); err == nil {
		s.Explain.Stepf(mechanism, explain.None, "layer %s is unpacked already (%s): shared, not unpacked again", short(diffID), final)
		return nil
	}
	blob, err := os.Open(s.blobPath(l.Digest))
	if err != nil {
		return fmt.Errorf("layer %s is not in the store: %w (pull the image again)", short(l.Digest), err)
	}
	defer blob.Close()
	tmp, err := os.MkdirTemp(s.layersDir(), tmpPrefix+short(diffID)+"-")
	if err != nil {
		return fmt.Errorf("unpack layer %s: %w", short(l.Digest), err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	fs := filepath.Join(tmp, "fs")
	s.Explain.Stepf(mechanism, explain.Sh(fmt.Sprintf("mkdir -p %s && tar -xpf %s -C %s\nzcat -f %s | sha256sum    # must print %s\nmv %s %s", fs, blob.Name(), fs, blob.Name(), diffID.Encoded(), tmp, final)),
		"unpack layer %s into a temporary directory (whiteouts become overlayfs's, an entry that escapes is refused), check its uncompressed sha256 against the config's diff_ids, and rename it into place", short(l.Digest))
	if err := os.Mkdir(fs, 0o755); err != nil {
		return fmt.Errorf("unpack layer %s: %w", short(l.Digest), err)
	}
	got, err := layer.Apply(fs, blob)
	if err != nil {
		return fmt.Errorf("unpack layer %s: %w", short(l.Digest), err)
	}
	if got != diffID {
		return fmt.Errorf("layer %s: its uncompressed content's sha256 is %s, the image config says %s: refused", short(l.Digest), got, diffID)
	}
	size, err := layer.Measure(fs)
	if err != nil {
		return err
	}
	rec, _ := json.Marshal(layerRecord{DiffID: diffID, Blob: l.Digest, Size: size})
	if err := os.WriteFile(filepath.Join(tmp, "layer.json"), rec, 0o600); err != nil {
		return fmt.Errorf("unpack layer %s: %w", short(l.Digest), err)
	}
	// syncfs(2): the layer's thousands of files reach the disk in one call before the rename
	// makes them count, so a power cut cannot leave a complete-looking layer of empty files.
	if err := unix.Syncfs(int(blob.Fd())); err != nil {
		return fmt.Errorf("unpack layer %s: syncfs: %w", short(l.Digest), err)
	}
	if err := os.Rename(tmp, final); err != nil {
		if errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOTEMPTY) {
			return nil // another Mini unpacked it meanwhile; ours is removed by the defer
		}
		return fmt.Errorf("unpack layer %s: %w", short(l.Digest), err)
	}
	done = true
	return state.SyncDir(s.layersDir())
}
