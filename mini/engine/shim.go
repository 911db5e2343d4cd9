//mini:chapter 07

package engine

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/container"
)

// shimName is the shim's program (cmd/mini-shim), looked for beside the mini binary.
const shimName = "mini-shim"

// shimFor returns the shim that the container's monitor may hand the running container to, or
// "" if the monitor must wait itself:
//   - a -t or -i container: its monitor serves the terminal or stdin to attached clients
//     (attach.go), which the shim does not do;
//   - no mini-shim beside mini (`go build ./mini/cmd/mini` alone): everything works, each
//     monitor only keeps ~2 MiB more.
//
// The command that stays attached (`run` without -d, `start -a`) is told by the monitor
// itself: Monitor asks for no shim then.
func shimFor(c *Container) string {
	if c.Config.TTY || c.Config.Interactive {
		return ""
	}
	self, err := os.Executable()
	if err != nil {
		return ""
	}
	shim := filepath.Join(filepath.Dir(self), shimName)
	if unix.Access(shim, unix.X_OK) != nil {
		return ""
	}
	return shim
}

// handOver execs the shim in the monitor's place: same process, same PID, same children, so
// the container's init process stays its child and wait(2)s still work. What the shim needs
// is kept open through the exec, by clearing close-on-exec on it: the log, the read ends of
// the command's stdout and stderr, the monitor's lock, which the shim hands back to `mini
// monitor --exited`, and the sockets that reserve the published ports (network's reservePort),
// which the shim holds until the command ends. Every other file of the monitor is closed by the exec (Go opens
// its files close-on-exec). handOver returns only if the exec failed.
//
// The monitor must call it from the thread that started the container (Monitor locks it):
// see there.
func (m *monitored) handOver(c *Container, root string, stdout, stderr *os.File, ports []*os.File) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("hand over to %s: %w", m.shim, err)
	}
	kept := append([]*os.File{m.logs, stdout, stderr, m.lock}, ports...)
	for _, f := range kept {
		if _, err := unix.FcntlInt(f.Fd(), unix.F_SETFD, 0); err != nil {
			return fmt.Errorf("hand over to %s: keep %s open: %w", m.shim, f.Name(), err)
		}
	}
	fd := func(f *os.File) string { return strconv.Itoa(int(f.Fd())) }
	argv := []string{m.shim, "-pid", strconv.Itoa(c.State.PID), "-log", fd(m.logs),
		"-stdout", fd(stdout), "-stderr", fd(stderr), "-lock", fd(m.lock),
		"-mini", self, "-root", root, "-id", c.ID}
	for _, f := range ports {
		argv = append(argv, "-port", fd(f))
	}
	// Until the shim asks for them, the signals for the container are ignored rather than left
	// to their default, which would end the process: a handler does not survive an exec, an
	// "ignore" does.
	signal.Ignore(container.Signals...)
	// One P: the shim has one thing at a time to do, and each P has caches of its own.
	env := []string{"GOMAXPROCS=1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOMAXPROCS=") {
			env = append(env, kv)
		}
	}
	err = syscall.Exec(m.shim, argv, env)

	// Still here: the exec failed. Put things back as they were.
	signal.Notify(m.sigs, container.Signals...)
	for _, f := range kept {
		syscall.CloseOnExec(int(f.Fd()))
	}
	return fmt.Errorf("exec %s: %w", m.shim, err)
}
