// Package tty gives a container a pseudo-terminal, as `docker run -t` does.
//
// A pseudo-terminal is a pair: the master end stays with Mini, the slave end becomes the
// command's stdin, stdout and stderr and its controlling terminal. The kernel's line discipline
// sits between them, so the command sees a real terminal: it can ask its window size, ^C becomes
// SIGINT for its foreground process group, and a shell prints a prompt. See pty(7).
package tty

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Pair is an open pseudo-terminal.
type Pair struct {
	Master *os.File // Mini's end: what it writes the command reads
	Slave  *os.File // the command's end, /dev/pts/N
}

// Open allocates a new pseudo-terminal from /dev/ptmx.
func Open() (*Pair, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/ptmx: %w", err)
	}
	// A new slave starts locked so nobody opens it before the master is set up: unlockpt(3).
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, fmt.Errorf("unlock pseudo-terminal: %w", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, fmt.Errorf("find pseudo-terminal number: %w", err)
	}
	name := fmt.Sprintf("/dev/pts/%d", n)
	slave, err := os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		master.Close()
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return &Pair{Master: master, Slave: slave}, nil
}

// Close closes both ends.
func (p *Pair) Close() {
	p.Master.Close()
	p.Slave.Close()
}

// IsTerminal reports whether fd is a terminal.
func IsTerminal(fd uintptr) bool {
	_, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	return err == nil
}

// MakeRaw puts the terminal fd in raw mode and returns the function that restores it.
//
// In raw mode the user's terminal stops interpreting keys itself (no echo, no line editing, ^C
// is a byte and not a signal): every key goes to the pseudo-terminal inside the container, whose
// own line discipline does that work instead. Otherwise every character would be echoed twice
// and ^C would interrupt Mini rather than the command. See termios(3), cfmakeraw.
func MakeRaw(fd uintptr) (restore func(), err error) {
	old, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	if err != nil {
		return nil, fmt.Errorf("read terminal settings: %w", err)
	}
	raw := *old
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN] = 1
	raw.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(int(fd), unix.TCSETS, &raw); err != nil {
		return nil, fmt.Errorf("set terminal to raw mode: %w", err)
	}
	return func() { _ = unix.IoctlSetTermios(int(fd), unix.TCSETS, old) }, nil
}

// CopySize gives the terminal `to` the window size of the terminal `from`, so that full-screen
// programs in the container (vi, top) draw for the window the user really has.
func CopySize(from, to uintptr) error {
	ws, err := unix.IoctlGetWinsize(int(from), unix.TIOCGWINSZ)
	if err != nil {
		return fmt.Errorf("read window size: %w", err)
	}
	if err := unix.IoctlSetWinsize(int(to), unix.TIOCSWINSZ, ws); err != nil {
		return fmt.Errorf("set window size: %w", err)
	}
	return nil
}
