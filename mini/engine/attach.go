//mini:chapter 07

package engine

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/logfile"
	"github.com/minikit/kit/mini/tty"
)

// A container created with -i or -t is served by its monitor on a UNIX socket in the run
// directory, attach.sock, to the `mini` commands that attach to it (`run -i`, `run -it`,
// `start -a -i`, `attach`). This is conmon's attach socket, in small.
//
//   - With -i and no -t, the monitor holds the write end of a pipe that is the command's stdin.
//     The first client's input goes there, and when that input ends the command's stdin ends too
//     (Docker's "stdin once": `echo hi | mini run -i --name x busybox cat` must end). What the
//     command writes goes to the log, which the client follows.
//   - With -t, the monitor holds the master of the command's pseudo-terminal. It copies what the
//     terminal prints into the log and to the attached client; it writes the client's keys into
//     the terminal and sets the terminal's size to the client's window. A client comes and goes
//     (Ctrl-P Ctrl-Q detaches); the command keeps its terminal. Only one client at a time.
//
// The socket is reached through /proc/self/fd/N/attach.sock, N being an open descriptor of the
// run directory: a UNIX socket's path must fit in 108 bytes (unix(7)), and a state root's path
// plus a 64-digit ID may not. The directory is root's, mode 0700: nobody else can type into the
// container.
const attachSocket = "attach.sock"

// On the socket, everything travels in frames: a kind byte, the payload's length (4 bytes, big
// endian), the payload. A client's end of input is its half-close (shutdown(SHUT_WR)).
const (
	frameInput  = 'i' // client → monitor: what the user typed or piped
	frameResize = 'r' // client → monitor: the window size, rows then columns, 2 bytes each
	frameOutput = 'o' // monitor → client: what the terminal printed (-t only)
	frameError  = 'e' // monitor → client: why it was refused, then the monitor hangs up
)

// detachKeys end an attach without ending the command, as Docker's default Ctrl-P Ctrl-Q does.
var detachKeys = []byte{0x10, 0x11}

func writeFrame(w io.Writer, kind byte, payload []byte) error {
	head := make([]byte, 5, 5+len(payload))
	head[0] = kind
	binary.BigEndian.PutUint32(head[1:], uint32(len(payload)))
	_, err := w.Write(append(head, payload...))
	return err
}

func readFrame(r *bufio.Reader) (kind byte, payload []byte, err error) {
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(head[1:])
	if n > 1<<20 {
		return 0, nil, fmt.Errorf("attach: a frame of %d bytes: not a Mini client", n)
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(r, payload)
	return head[0], payload, err
}

// inDir calls f with a short path to name in the container's run directory.
func (c *Container) inDir(name string, f func(path string) error) error {
	dir, err := os.Open(c.Dir())
	if err != nil {
		return err
	}
	defer dir.Close()
	return f(fmt.Sprintf("/proc/self/fd/%d/%s", dir.Fd(), name))
}

// attachServer is the monitor's side of attach.sock, for one run of the command.
type attachServer struct {
	l     net.Listener
	stdin io.WriteCloser // -i without -t: the command's stdin, closed when the first client's input ends

	mu     sync.Mutex
	came   bool     // the first client has come
	master *os.File // -t: the command's terminal, while it runs
	client net.Conn // -t: the attached client, if any
	ended  bool     // -t: the terminal's output has ended
	// keep: the command that started the container attaches as soon as the command runs, and
	// must see its first words (a shell's prompt, or all of a short command's output); until it
	// comes, the output is kept here too (64 KiB at most). It also goes to the log.
	keep    bool
	pending []byte
	arrived chan struct{} // closed when the first client has come
}

// maxPending bounds what is kept for a first client that may never come (it was killed).
const maxPending = 64 << 10

// serveAttach listens on attach.sock; stdin is nil for a container with -t. Close stops it.
func (c *Container) serveAttach(stdin io.WriteCloser, keep bool) (*attachServer, error) {
	s := &attachServer{stdin: stdin, keep: keep, arrived: make(chan struct{})}
	err := c.inDir(attachSocket, func(path string) error {
		os.Remove(path) // the previous run's
		var err error
		s.l, err = net.Listen("unix", path)
		return err
	})
	if err != nil {
		if stdin != nil {
			stdin.Close()
		}
		return nil, fmt.Errorf("listen for attach: %w", err)
	}
	go func() {
		for {
			conn, err := s.l.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s, nil
}

// Close stops taking clients and hangs up on the one attached.
func (s *attachServer) Close() error {
	err := s.l.Close()
	s.mu.Lock()
	if s.client != nil {
		s.client.Close()
	}
	s.mu.Unlock()
	return err
}

// welcome decides whether conn may attach: there is one client at a time, and stdin ends with
// the first (-i without -t). The first client of a terminal gets what was kept for it.
func (s *attachServer) welcome(conn net.Conn) (ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := !s.came
	if first {
		s.came = true
		close(s.arrived)
	}
	switch {
	case s.stdin != nil && !first:
		writeFrame(conn, frameError, []byte("its stdin has ended (it is given to the first client only: stdin once)"))
		return false
	case s.stdin != nil:
		return true
	case s.client != nil:
		writeFrame(conn, frameError, []byte("another client is attached"))
		return false
	case s.ended && !first:
		writeFrame(conn, frameError, []byte("its command has ended"))
		return false
	}
	if len(s.pending) > 0 {
		writeFrame(conn, frameOutput, s.pending)
	}
	s.pending, s.keep = nil, false
	if s.ended {
		return false // a short command's whole output, then the end
	}
	s.client = conn
	return true
}

// serve is one client's connection: its input goes to the command's stdin or terminal.
func (s *attachServer) serve(conn net.Conn) {
	defer conn.Close()
	if !s.welcome(conn) {
		return
	}
	r := bufio.NewReader(conn)
	for {
		kind, payload, err := readFrame(r)
		if err != nil {
			break // EOF: the client's input ended, or it detached
		}
		switch {
		case kind == frameInput && s.stdin != nil:
			if _, err := s.stdin.Write(payload); err != nil {
				return // the command closed its stdin
			}
		case kind == frameInput:
			if m := s.terminal(); m != nil {
				m.Write(payload)
			}
		case kind == frameResize && len(payload) == 4:
			if m := s.terminal(); m != nil {
				// The kernel sends SIGWINCH to the terminal's foreground process group, so a
				// shell or an editor redraws for the new size (tty_ioctl(4), TIOCSWINSZ).
				unix.IoctlSetWinsize(int(m.Fd()), unix.TIOCSWINSZ, &unix.Winsize{
					Row: binary.BigEndian.Uint16(payload), Col: binary.BigEndian.Uint16(payload[2:])})
			}
		}
	}
	if s.stdin != nil {
		s.stdin.Close() // stdin once
		return
	}
	s.mu.Lock()
	if s.client == conn {
		s.client = nil // detached: the command keeps its terminal for the next client
	}
	s.mu.Unlock()
}

func (s *attachServer) terminal() *os.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.master
}

// Write sends the terminal's output to the attached client, or keeps it for the first one. A
// client that is gone is dropped; the output goes on to the log regardless.
func (s *attachServer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.client != nil:
		if writeFrame(s.client, frameOutput, p) != nil {
			s.client.Close()
			s.client = nil
		}
	case s.keep && len(s.pending)+len(p) <= maxPending:
		s.pending = append(s.pending, p...)
	}
	return len(p), nil
}

// serveTerminal copies the terminal's output to the log (through CopyLines) and to the client,
// until the last process holding the terminal has ended: the master then reads EIO.
func (s *attachServer) serveTerminal(master *os.File, log logfile.Writer) {
	s.mu.Lock()
	s.master = master
	s.mu.Unlock()
	// Until a client says its size, the size of a classic terminal (0x0 confuses programs).
	unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80})
	log.CopyLines(io.TeeReader(master, s), "stdout")
	s.mu.Lock()
	s.ended, s.master = true, nil
	if s.client != nil {
		s.client.Close() // the client's end of output: the command has ended
	}
	waitFirst := s.keep
	s.mu.Unlock()
	master.Close()
	if waitFirst {
		// A short command may be over before the client that started it has connected: the
		// socket must still be there for it, with the output kept (10 s at most: it may have
		// been killed).
		select {
		case <-s.arrived:
		case <-time.After(10 * time.Second):
		}
	}
}

// dial connects to the monitor's attach socket.
func (c *Container) dial() (*net.UnixConn, error) {
	var conn net.Conn
	err := c.inDir(attachSocket, func(path string) error {
		var err error
		conn, err = net.Dial("unix", path)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("attach to container %s (is it running?): %w", c.Name, err)
	}
	return conn.(*net.UnixConn), nil
}

// AttachStdin sends r to the command's stdin, and ends it when r ends.
func (c *Container) AttachStdin(r io.Reader) error {
	if !c.Config.Interactive {
		return errors.New("the container was not created with -i: its stdin is closed")
	}
	conn, err := c.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	refusal := make(chan error, 1)
	go func() { refusal <- refused(conn) }()
	buf := make([]byte, 32*1024)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if werr := writeFrame(conn, frameInput, buf[:n]); werr != nil {
				select {
				case why := <-refusal:
					if why != nil {
						return fmt.Errorf("container %s: %w", c.Name, why)
					}
				default:
				}
				return fmt.Errorf("container %s: another client is attached, or its input has ended", c.Name)
			}
		}
		if errors.Is(err, io.EOF) {
			return conn.CloseWrite()
		}
		if err != nil {
			return err
		}
	}
}

// refused reads what the monitor sends to a client of a container without -t: nothing, or one
// error frame when another client is attached, which it returns, and closes conn.
func refused(conn net.Conn) error {
	kind, payload, err := readFrame(bufio.NewReader(conn))
	if err != nil || kind != frameError {
		return nil
	}
	conn.Close()
	return errors.New(string(payload))
}

// AttachTerminal connects the user's terminal to the container's (-t): what the container's
// terminal prints goes to out; with -i what is typed on in goes to it, in raw mode, so that
// every key (Ctrl-C too) reaches the command as it would on a console. It returns when the
// command has ended, or with detached true when the user typed Ctrl-P Ctrl-Q.
// winch delivers SIGWINCH: the user's window changed size.
func (c *Container) AttachTerminal(in, out *os.File, winch <-chan os.Signal) (detached bool, err error) {
	if !c.Config.TTY {
		return false, errors.New("the container was not created with -t")
	}
	conn, err := c.dial()
	if err != nil {
		return false, err
	}
	defer conn.Close()
	sendSize := func() {
		ws, err := unix.IoctlGetWinsize(int(in.Fd()), unix.TIOCGWINSZ)
		if err != nil {
			ws, err = unix.IoctlGetWinsize(int(out.Fd()), unix.TIOCGWINSZ)
		}
		if err == nil {
			size := make([]byte, 4)
			binary.BigEndian.PutUint16(size, ws.Row)
			binary.BigEndian.PutUint16(size[2:], ws.Col)
			writeFrame(conn, frameResize, size)
		}
	}
	sendSize()
	if c.Config.Interactive {
		if restore, err := tty.MakeRaw(in.Fd()); err == nil {
			defer restore()
		}
	}
	var once sync.Once
	var detach bool
	hangUp := func(d bool) { once.Do(func() { detach = d; conn.CloseRead() }) }
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		for {
			select {
			case <-winch:
				sendSize()
			case <-stopped:
				return
			}
		}
	}()
	if c.Config.Interactive {
		go func() {
			buf := make([]byte, 4096)
			var held []byte // a Ctrl-P waits for the next key: the detach sequence, or not
			for {
				n, err := in.Read(buf)
				if err != nil {
					conn.CloseWrite()
					return
				}
				keys := append(held, buf[:n]...)
				held = nil
				if i := bytes.Index(keys, detachKeys); i >= 0 {
					writeFrame(conn, frameInput, keys[:i])
					hangUp(true)
					return
				}
				if keys[len(keys)-1] == detachKeys[0] {
					keys, held = keys[:len(keys)-1], []byte{detachKeys[0]}
				}
				if len(keys) > 0 && writeFrame(conn, frameInput, keys) != nil {
					return
				}
			}
		}()
	}
	r := bufio.NewReader(conn)
	for {
		kind, payload, err := readFrame(r)
		if err != nil {
			hangUp(false)
			return detach, nil
		}
		switch kind {
		case frameOutput:
			out.Write(payload)
		case frameError:
			return false, fmt.Errorf("container %s: %s", c.Name, payload)
		}
	}
}
