// Package vcs reads files as the repository's last commit has them, which is how `lessons reset`
// gets an exercise's stubs back.
package vcs

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Committed returns the content of path (slash-separated, relative to the repository root) at HEAD.
func Committed(ctx context.Context, root, path string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", "show", "HEAD:"+path)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("read %s as committed (git show HEAD:%s): %s", path, path, msg)
	}
	return out, nil
}
