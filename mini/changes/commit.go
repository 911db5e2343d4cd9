//mini:chapter 07

package changes

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/archive"
	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
)

// CommitOptions describe the image Commit makes.
type CommitOptions struct {
	// Ref is the new image's name: NAME[:TAG] (the tag defaults to latest).
	Ref string
	// Author and Message go into the image's config and history (docker commit -a, -m).
	Author, Message string
	// Changes are Dockerfile instructions applied to the base's config: CMD, ENTRYPOINT, ENV,
	// WORKDIR, USER (docker commit --change), read as mini import reads them.
	Changes []string
	// Explain narrates the steps on the way; nil is silent.
	Explain *explain.Narrator
}

// mechanism labels commit's steps in --explain (the image store's label: it is an image made).
const mechanism explain.Mechanism = "image"

// Commit turns a container's upper layer into a new image: base's layers with the upper on top,
// as one more layer, named o.Ref. base is the container's image, nil for a container of a plain
// --rootfs directory (its image is then the upper alone).
//
// The upper is overlayfs's format; an image layer is the OCI's (image-spec, layer.md). So the
// upper is archived with its whiteouts turned back: a character device 0/0 becomes an empty
// file .wh.NAME, an opaque directory gets an empty .wh..wh..opq inside it, and the overlay's
// own xattrs stay behind. That is the reverse of what package layer does when it unpacks a
// pulled layer, and it does exactly that when the store unpacks the new one.
func Commit(store *image.Store, base *image.Image, upper string, o CommitOptions) (*image.Image, error) {
	ref, err := reference.Parse(o.Ref)
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	if ref.Digest != "" {
		return nil, fmt.Errorf("commit %s: name the image with a tag, not a digest (the digest is computed)", o.Ref)
	}
	var cfg v1.ImageConfig
	if base != nil {
		cfg = cloneConfig(base.Config.Config)
	}
	for _, c := range o.Changes {
		if err := archive.ApplyChange(&cfg, c); err != nil {
			return nil, fmt.Errorf("commit: %w", err)
		}
	}
	cfg.Env = lastEnv(cfg.Env)
	if st, err := os.Stat(upper); err != nil {
		return nil, fmt.Errorf("commit: the container's upper layer: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("commit: the container's upper layer %s is not a directory", upper)
	}
	v, err := openView([]string{upper})
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	defer v.Close()

	o.Explain.Stepf(mechanism, explain.Sh(fmt.Sprintf("find %s -type c    # the whiteouts (0/0): each becomes .wh.NAME\ngetfattr -R -n %s %s    # opaque directories: each gets .wh..wh..opq\ntar -C %s -cf layer.tar .", upper, opaqueXattr, upper, upper)),
		"archive the upper layer as an OCI layer: whiteouts turned back into .wh. files")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := writeLayer(pw, v)
		pw.CloseWithError(err)
		done <- err
	}()
	img, err := store.AddLayer(base, pr, image.LayerOptions{
		Ref:     ref,
		Config:  cfg,
		Author:  o.Author,
		History: v1.History{CreatedBy: "mini commit", Comment: o.Message},
	})
	pr.CloseWithError(errors.New("the store stopped reading")) // unblocks writeLayer
	werr := <-done
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	if werr != nil {
		return nil, fmt.Errorf("commit: archive the upper layer: %w", werr)
	}
	o.Explain.Stepf(mechanism, explain.None, "the layer is the image's top layer now: %d layers, named %s", len(img.Layers), ref.Familiar())
	return img, nil
}

// writeLayer writes the upper layer (the view's only layer) as an OCI layer tar.
func writeLayer(w io.Writer, v *view) error {
	t := newTarWriter(w, v)
	if err := t.layer("."); err != nil {
		return err
	}
	return t.Close()
}

// layer writes what the upper's directory rel holds, its whiteouts in the OCI's form.
func (t *tarWriter) layer(rel string) error {
	opaque, err := t.v.opaque(0, rel)
	if err != nil {
		return err
	}
	if opaque {
		// First in its directory: an unpacker that deletes the lower's entries when it meets
		// the marker must not delete the ones this layer has just written.
		if err := t.whiteout(path.Join(rel, opaqueWhiteout)); err != nil {
			return err
		}
	}
	names, err := t.v.layerNames(0, rel)
	if err != nil {
		return err
	}
	for _, name := range names {
		p := path.Join(rel, name)
		st, err := t.v.lstat(0, p)
		if err != nil {
			return err
		}
		if isWhiteout(&st) {
			if err := t.whiteout(path.Join(rel, whiteoutPrefix+name)); err != nil {
				return err
			}
			continue
		}
		n := &node{rel: p, top: 0, st: st}
		if err := t.entry(n, p); err != nil {
			return err
		}
		if n.isDir() {
			if err := t.layer(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// whiteout writes an OCI whiteout: an empty regular file with the .wh. name.
func (t *tarWriter) whiteout(name string) error {
	return t.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, ModTime: time.Unix(0, 0), Format: tar.FormatPAX})
}

// cloneConfig copies a config so that changing the copy leaves the base image's alone.
func cloneConfig(c v1.ImageConfig) v1.ImageConfig {
	c.Env = slices.Clone(c.Env)
	c.Cmd = slices.Clone(c.Cmd)
	c.Entrypoint = slices.Clone(c.Entrypoint)
	return c
}

// lastEnv keeps one NAME=VALUE per name: the last one given (--change ENV X=2 over the base's
// X=1), at the place of the first.
func lastEnv(env []string) []string {
	last := map[string]string{}
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		last[k] = kv
	}
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if v, ok := last[k]; ok {
			out = append(out, v)
			delete(last, k)
		}
	}
	return out
}
