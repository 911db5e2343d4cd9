//mini:chapter 06

package archive

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
	"github.com/minikit/kit/mini/layer"
)

// Import makes a new image of one layer from a root filesystem tarball (gzip, zstd or plain),
// as `docker import` does: the files are all it keeps. No history, no layers, and so a new image
// ID — unlike load, which keeps the image whole. changes are Dockerfile instructions that set
// the config: CMD, ENTRYPOINT, ENV, WORKDIR, USER.
func Import(store *image.Store, r io.Reader, ref reference.Reference, changes []string) (*image.Image, error) {
	var cfg v1.ImageConfig
	for _, c := range changes {
		if err := applyChange(&cfg, c); err != nil {
			return nil, err
		}
	}
	tr, err := layer.Uncompressed(r)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer tr.Close()
	// The layer is kept uncompressed: its digest is then its diffID as well.
	tmp, err := os.CreateTemp(store.Dir(), ".tmp-import-")
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), tr)
	if err != nil {
		return nil, fmt.Errorf("import: read the tarball: %w", err)
	}
	if n == 0 {
		return nil, fmt.Errorf("import: the input is empty: give a tarball of a root filesystem (mini export, tar -C DIR -c .)")
	}
	diffID := digest.NewDigest(digest.SHA256, h)
	l := &loader{store: store}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if !store.HasBlob(diffID) {
		if err := store.WriteBlob(diffID, n, tmp); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		l.added = append(l.added, diffID)
	}
	now := time.Now().UTC()
	img := v1.Image{Created: &now, Platform: v1.Platform{OS: "linux", Architecture: runtime.GOARCH}, Config: cfg,
		RootFS:  v1.RootFS{Type: "layers", DiffIDs: []digest.Digest{diffID}},
		History: []v1.History{{Created: &now, CreatedBy: "mini import", Comment: "imported from a tarball"}}}
	cb, err := json.Marshal(img)
	if err != nil {
		return nil, err
	}
	cd := digest.FromBytes(cb)
	undo := func(err error) (*image.Image, error) {
		return nil, fmt.Errorf("import: %w", joinUndo(err, store.ForgetBlobs(l.added)))
	}
	if err := l.put(cd, cb); err != nil {
		return undo(err)
	}
	m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest,
		Config: v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: cd, Size: int64(len(cb))},
		Layers: []v1.Descriptor{{MediaType: v1.MediaTypeImageLayer, Digest: diffID, Size: n}}}
	mb, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	added, err := store.Add(image.NewImage{Ref: ref, Manifest: mb})
	if err != nil {
		return undo(err)
	}
	return added, nil
}

// applyChange reads one --change instruction, in a Dockerfile's two forms: JSON (CMD ["sh"])
// or shell (CMD echo hi, run by /bin/sh -c).
func applyChange(cfg *v1.ImageConfig, change string) error {
	instr, arg, _ := strings.Cut(strings.TrimSpace(change), " ")
	arg = strings.TrimSpace(arg)
	argv := func() ([]string, error) {
		if strings.HasPrefix(arg, "[") {
			var v []string
			if err := json.Unmarshal([]byte(arg), &v); err != nil {
				return nil, fmt.Errorf("--change %q: %s's JSON form must be a list of strings: %v", change, instr, err)
			}
			return v, nil
		}
		return []string{"/bin/sh", "-c", arg}, nil
	}
	if arg == "" {
		return fmt.Errorf("--change %q: %s needs an argument", change, instr)
	}
	var err error
	switch strings.ToUpper(instr) {
	case "CMD":
		cfg.Cmd, err = argv()
	case "ENTRYPOINT":
		cfg.Entrypoint, err = argv()
	case "ENV":
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			k, v, ok = strings.Cut(arg, " ")
		}
		if !ok || k == "" {
			return fmt.Errorf("--change %q: ENV wants NAME=VALUE", change)
		}
		cfg.Env = append(cfg.Env, k+"="+strings.TrimSpace(v))
	case "WORKDIR":
		if !strings.HasPrefix(arg, "/") {
			return fmt.Errorf("--change %q: WORKDIR must be an absolute path", change)
		}
		cfg.WorkingDir = arg
	case "USER":
		cfg.User = arg
	default:
		return fmt.Errorf("--change %q: Mini understands CMD, ENTRYPOINT, ENV, WORKDIR and USER", change)
	}
	return err
}

func joinUndo(err, undo error) error {
	if undo == nil {
		return err
	}
	return fmt.Errorf("%w (and undoing it: %v)", err, undo)
}
