//mini:chapter 07

package changes

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: whiteouts are device nodes (mknod c 0 0 takes CAP_MKNOD) and opaque directories carry a trusted.* xattr (CAP_SYS_ADMIN); run the tests with sudo")
	}
}

var testTime = time.Date(2021, 2, 3, 4, 5, 6, 0, time.UTC)

// build makes a layer in dir from lines "KIND PATH [ARG]":
//
//	d PATH [MODE]     a directory (0755 unless MODE, octal)
//	f PATH [TEXT]     a regular file, 0644
//	l PATH TARGET     a symlink
//	h PATH TARGET     a hard link to TARGET (a path in the same layer)
//	w PATH            a whiteout (character device 0/0)
//	o PATH            mark the directory PATH opaque
//	p PATH            a FIFO
//
// Parent directories are made as needed. Every mtime is testTime.
func build(t *testing.T, dir string, lines ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, line := range lines {
		kind, rest, _ := strings.Cut(line, " ")
		name, arg, _ := strings.Cut(rest, " ")
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch kind {
		case "d":
			mode := uint32(0o755)
			if arg != "" {
				fmt.Sscanf(arg, "%o", &mode)
			}
			if err = os.Mkdir(p, 0o700); err == nil || errors.Is(err, os.ErrExist) {
				err = unix.Chmod(p, mode)
			}
		case "f":
			err = os.WriteFile(p, []byte(arg), 0o644)
		case "l":
			err = os.Symlink(arg, p)
		case "h":
			err = os.Link(filepath.Join(dir, arg), p)
		case "w":
			err = unix.Mknod(p, unix.S_IFCHR, 0)
		case "o":
			err = unix.Setxattr(p, opaqueXattr, []byte("y"), 0)
		case "p":
			err = unix.Mkfifo(p, 0o644)
		default:
			t.Fatalf("build: unknown kind %q in %q", kind, line)
		}
		if err != nil {
			t.Fatalf("build %q: %v", line, err)
		}
	}
	filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error {
		ts := unix.NsecToTimespec(testTime.UnixNano())
		unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
		return nil
	})
}

// listTar describes a tar's entries, one line each: "TYPE NAME [= CONTENT | -> TARGET]".
func listTar(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read the tar: %v", err)
		}
		line := fmt.Sprintf("%c %s", hdr.Typeflag, hdr.Name)
		switch hdr.Typeflag {
		case tar.TypeReg:
			b, _ := io.ReadAll(tr)
			line += " = " + string(b)
		case tar.TypeSymlink, tar.TypeLink:
			line += " -> " + hdr.Linkname
		}
		out = append(out, line)
	}
	return out
}

// listDir describes a directory tree the way listTar describes an archive (without a tar's
// hard links, and "w" for a whiteout, "o" after an opaque directory's name), sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		var st unix.Stat_t
		unix.Lstat(p, &st)
		switch {
		case fi.IsDir():
			line := "5 " + rel + "/"
			if b := make([]byte, 4); true {
				if n, err := unix.Lgetxattr(p, opaqueXattr, b); err == nil && string(b[:n]) == "y" {
					line += " o"
				}
			}
			out = append(out, line)
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			out = append(out, "0 "+rel+" = "+string(b))
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out = append(out, "2 "+rel+" -> "+target)
		case isWhiteout(&st):
			out = append(out, "w "+rel)
		default:
			out = append(out, fmt.Sprintf("? %s %v", rel, fi.Mode()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}
