package term

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// Page shows text through $PAGER (default `less`), as git does, and writes it to w directly if
// there is no pager. Callers page only when w is a terminal.
func Page(text string, w io.Writer, getenv func(string) string) error {
	pager := getenv("PAGER")
	if pager == "" {
		pager = "less"
	}
	if pager == "cat" {
		_, err := io.WriteString(w, text)
		return err
	}
	if _, err := exec.LookPath(strings.Fields(pager)[0]); err != nil {
		_, err := io.WriteString(w, text)
		return err
	}
	cmd := exec.Command("/bin/sh", "-c", pager)
	cmd.Stdin = strings.NewReader(text)
	cmd.Stdout = w
	cmd.Stderr = os.Stderr
	cmd.Env = os.Environ()
	if getenv("LESS") == "" {
		// F: quit if one screen is enough; R: pass colours through; X: leave the text on the screen.
		cmd.Env = append(cmd.Env, "LESS=FRX")
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("page through %q: %w (set PAGER=cat to print without a pager)", pager, err)
	}
	return nil
}
