//mini:chapter 06

package image

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/image/reference"
)

// ImportOptions describe the image ImportDir makes.
type ImportOptions struct {
	// Ref is the name to give the image (busybox:latest).
	Ref reference.Reference
	// Cmd is the image's default command (busybox's image has "sh").
	Cmd []string
	// CreatedBy goes into the image's history (shown by `mini history`).
	CreatedBy string
}

// epoch is the time every imported file, and the image itself, carries. A fixed time makes the
// import reproducible: the same directory gives the same layer, the same config and so the same
// image ID on every machine and every day. (The kit's root filesystem is built fresh on each
// machine; with real mtimes its ID would differ everywhere.)
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ImportDir makes an image of one layer from a directory (the kit's busybox root filesystem), so
// that images work with no registry and no network. The directory is archived reproducibly: in
// name order, owned by root, every mtime set to the same fixed time, as an uncompressed tar (so
// the layer's blob digest is its diffID too). Then the config and manifest are written as blobs
// and the image is recorded like a pulled one.
func (s *Store) ImportDir(dir string, o ImportOptions) (*Image, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("import %s: not a directory (give the root filesystem's directory)", dir)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(archive(dir, pw)) }()
	layerDigest, layerSize, err := s.putBlob(pr, "import", nil, -1)
	pr.CloseWithError(err) // unblocks archive if putBlob stopped early
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", dir, err)
	}
	created := epoch
	cfg := v1.Image{
		Created:  &created,
		Platform: v1.Platform{Architecture: runtime.GOARCH, OS: "linux"},
		Config: v1.ImageConfig{
			Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			Cmd: o.Cmd,
		},
		RootFS:  v1.RootFS{Type: "layers", DiffIDs: []digest.Digest{layerDigest}},
		History: []v1.History{{Created: &created, CreatedBy: o.CreatedBy}},
	}
	cb, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	configDigest, _, err := s.putBlob(bytes.NewReader(cb), "config", nil, -1)
	if err != nil {
		return nil, err
	}
	man := v1.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: v1.MediaTypeImageManifest,
		Config:    v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: configDigest, Size: int64(len(cb))},
		Layers:    []v1.Descriptor{{MediaType: v1.MediaTypeImageLayer, Digest: layerDigest, Size: layerSize}},
	}
	mb, err := json.Marshal(man)
	if err != nil {
		return nil, err
	}
	return s.Add(NewImage{Ref: o.Ref, Manifest: mb})
}

// archive writes dir as a reproducible tar to w.
func archive(dir string, w io.Writer) error {
	tw := tar.NewWriter(w)
	inodes := map[uint64]string{} // hard links: the first name of each inode
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		hdr.Name = filepath.ToSlash(rel)
		if info.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = epoch, time.Time{}, time.Time{}
		hdr.Format = tar.FormatPAX
		if st, ok := info.Sys().(*syscall.Stat_t); ok && info.Mode().IsRegular() && st.Nlink > 1 {
			if first, ok := inodes[st.Ino]; ok {
				hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
			} else {
				inodes[st.Ino] = hdr.Name
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return fmt.Errorf("archive %s: %w", dir, err)
	}
	return tw.Close()
}
