//mini:chapter 06

package reference

import (
	"strings"
	"testing"
)

func TestCh06ReferenceParse(t *testing.T) {
	const d = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	tests := []struct {
		in, full, familiar string
		domain, path, tag  string
	}{
		{"busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest"},
		{"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36", "docker.io", "library/busybox", "1.36"},
		{"library/busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest"},
		{"docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest"},
		{"index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest"},
		{"team/app:v1", "docker.io/team/app:v1", "team/app:v1", "docker.io", "team/app", "v1"},
		{"localhost/x", "localhost/x:latest", "localhost/x:latest", "localhost", "x", "latest"},
		{"localhost:5000/team/app", "localhost:5000/team/app:latest", "localhost:5000/team/app:latest", "localhost:5000", "team/app", "latest"},
		{"127.0.0.1:5000/app:v2", "127.0.0.1:5000/app:v2", "127.0.0.1:5000/app:v2", "127.0.0.1:5000", "app", "v2"},
		{"ghcr.io/o/r/deep__name-x.y", "ghcr.io/o/r/deep__name-x.y:latest", "ghcr.io/o/r/deep__name-x.y:latest", "ghcr.io", "o/r/deep__name-x.y", "latest"},
		{"busybox@" + d, "docker.io/library/busybox@" + d, "busybox@" + d, "docker.io", "library/busybox", ""},
		{"host:5000/app:v1@" + d, "host:5000/app:v1@" + d, "host:5000/app:v1@" + d, "host:5000", "app", "v1"},
		{"[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app:latest", "[::1]:5000", "app", "latest"},
	}
	for _, tt := range tests {
		r, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if r.String() != tt.full || r.Familiar() != tt.familiar || r.Domain != tt.domain || r.Path != tt.path || r.Tag != tt.tag {
			t.Errorf("Parse(%q) = %+v: String %q Familiar %q; want %q %q", tt.in, r, r.String(), r.Familiar(), tt.full, tt.familiar)
		}
		// The full form parses back to itself.
		again, err := Parse(r.String())
		if err != nil || again != r {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", r.String(), again, err, r)
		}
	}
}

func TestCh06ReferenceBad(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "an image name is required"},
		{"Busybox", "must be lowercase"},
		{"busybox:", "bad tag"},
		{"busybox:-x", "bad tag"},
		{"busybox@sha256:abc", "bad digest"},
		{"busybox@md5:0123", "bad digest"},
		{"a//b", "bad repository name"},
		{"app/", "repository name"},
		{"-app", "bad repository name"},
		{"app..x", "bad repository name"},
		{"bad_host!:5000/app", "bad registry"},
		{"localhost:5000/", "repository name is empty"},
		{"x/" + strings.Repeat("a", 300), "longer than"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v; want an error containing %q", tt.in, err, tt.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "invalid reference") {
			t.Errorf("Parse(%q): %v; want it to start with \"invalid reference\"", tt.in, err)
		}
	}
}
