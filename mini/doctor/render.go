package doctor

import (
	"fmt"
	"io"
	"strings"

	"github.com/fatih/color"
)

// Render writes one line per result:
//
//	ok       kernel: Linux 6.1.0
//	warning  ip_forward: off — Mini turns it on when networking starts
//	problem  rootfs: not built — run rootfs/build.sh
//
// then a summary line. The level word is always written out, so the colour (when useColor is
// true) only repeats what the text already says.
func Render(w io.Writer, rs []Result, useColor bool) error {
	paint := map[Level]*color.Color{
		OK:      color.New(color.FgGreen),
		Warning: color.New(color.FgYellow),
		Problem: color.New(color.FgRed, color.Bold),
	}
	for _, c := range paint {
		// Per-Color switches, not the package's global color.NoColor, so that rendering
		// never changes state other code depends on.
		if useColor {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	counts := map[Level]int{}
	var b strings.Builder
	for _, r := range rs {
		counts[r.Level]++
		// Colour only the word and pad after it: escape codes must not count towards the width.
		word := r.Level.String()
		fmt.Fprintf(&b, "%s%s %s: %s", paint[r.Level].Sprint(word), strings.Repeat(" ", 8-len(word)), r.Item, r.Finding)
		if r.Fix != "" {
			fmt.Fprintf(&b, " — %s", r.Fix)
		}
		b.WriteByte('\n')
	}
	verdict := paint[OK].Sprint("ready")
	if counts[Problem] > 0 {
		verdict = paint[Problem].Sprint("not ready")
	}
	fmt.Fprintf(&b, "\n%s: %d ok, %d %s, %d %s\n", verdict,
		counts[OK], counts[Warning], plural(counts[Warning], "warning"),
		counts[Problem], plural(counts[Problem], "problem"))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write doctor report: %w", err)
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
