// Package explain narrates what Mini asks of the kernel, one step at a time, with the shell
// command that does the same thing by hand.
//
// A student runs `mini run --explain -- sh` and reads, on stderr, every clone flag, mount,
// pivot_root and cgroup write as it happens. Each step names its mechanism (coloured, when the
// terminal allows) and shows a command to type, so the whole start of a container can be redone
// by hand in a root shell.
package explain

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/fatih/color"
)

// Mechanism is the kernel mechanism a step belongs to. It picks the label and the colour.
type Mechanism string

// The mechanisms, in the order the chapters add them.
const (
	Process   Mechanism = "process"
	Chroot    Mechanism = "chroot"
	Namespace Mechanism = "namespace"
	Mount     Mechanism = "mount"
	Cgroup    Mechanism = "cgroup"
	Overlay   Mechanism = "overlay"
	Network   Mechanism = "network"
)

var colors = map[Mechanism]color.Attribute{
	Process:   color.FgCyan,
	Chroot:    color.FgYellow,
	Namespace: color.FgMagenta,
	Mount:     color.FgBlue,
	Cgroup:    color.FgGreen,
	Overlay:   color.FgHiYellow,
	Network:   color.FgHiCyan,
}

// Narrator writes the narration. The zero value and a nil *Narrator are silent, so code can
// narrate unconditionally.
type Narrator struct {
	w     io.Writer
	color bool
	mu    sync.Mutex // a step's lines stay together when two goroutines narrate (chapter 03's move)
}

// New returns a narrator writing to w (Mini uses stderr: stdout belongs to the container's
// command). With color false the output is plain text.
func New(w io.Writer, color bool) *Narrator {
	return &Narrator{w: w, color: color}
}

// Enabled reports whether the narrator writes anything.
func (n *Narrator) Enabled() bool { return n != nil && n.w != nil }

// Color reports whether the narrator colours its output.
func (n *Narrator) Color() bool { return n.Enabled() && n.color }

// Command is the shell command (or commands, one per line) that redoes a step by hand. Only Sh
// makes one, so a description can never be passed where a command belongs, or the other way
// round: the compiler refuses it.
type Command struct{ lines string }

// Sh is the shell command line(s) that do what a step does, as a student would type them.
func Sh(lines string) Command { return Command{lines: lines} }

// None is for a step that no shell command can redo (a decision, a check, a message).
var None = Command{}

// String is the command as it is shown.
func (c Command) String() string { return c.lines }

// Step narrates one kernel-level step: the shell command that does the same by hand, and what
// happens.
func (n *Narrator) Step(m Mechanism, cmd Command, what string) {
	if !n.Enabled() {
		return
	}
	label := fmt.Sprintf("%-9s", m)
	dollar := "$"
	if n.color {
		c := color.New(colors[m], color.Bold)
		c.EnableColor()
		label = c.Sprint(label)
		d := color.New(color.Faint)
		d.EnableColor()
		dollar = d.Sprint("$")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.w, "%s %s\n", label, what)
	for _, line := range strings.Split(cmd.lines, "\n") {
		if line != "" {
			fmt.Fprintf(n.w, "%9s   %s %s\n", "", dollar, line)
		}
	}
}

// Stepf is Step with a formatted description.
func (n *Narrator) Stepf(m Mechanism, cmd Command, format string, args ...any) {
	if n.Enabled() {
		n.Step(m, cmd, fmt.Sprintf(format, args...))
	}
}
