//mini:chapter 07

package engine

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
)

// A container created with -i keeps its stdin open: the monitor holds the write end of a pipe
// whose read end is the command's stdin, and listens on a UNIX socket in the run directory,
// attach.sock, for the one client (`mini run -i`, `start -a -i`, `attach`) whose input goes
// there. When that client's input ends, the command's stdin ends too (Docker's "stdin once":
// `echo hi | mini run -i --name x busybox cat` must end). What the command writes goes to the
// log, which the client follows.
//
// The socket is reached through /proc/self/fd/N/attach.sock, N being an open descriptor of the
// run directory: a UNIX socket's path must fit in 108 bytes (unix(7)), and a state root's path
// plus a 64-digit ID may not. The directory is root's, mode 0700: nobody else can type into the
// container.
const attachSocket = "attach.sock"

// inDir calls f with a short path to name in the container's run directory.
func (c *Container) inDir(name string, f func(path string) error) error {
	dir, err := os.Open(c.Dir())
	if err != nil {
		return err
	}
	defer dir.Close()
	return f(fmt.Sprintf("/proc/self/fd/%d/%s", dir.Fd(), name))
}

// serveStdin is the monitor's side: it copies the first client's input into stdin, then
// closes stdin. It returns at once; close the listener to stop it.
func (c *Container) serveStdin(stdin io.WriteCloser) (io.Closer, error) {
	var l net.Listener
	err := c.inDir(attachSocket, func(path string) error {
		os.Remove(path)
		var err error
		l, err = net.Listen("unix", path)
		return err
	})
	if err != nil {
		stdin.Close()
		return nil, fmt.Errorf("listen for attach: %w", err)
	}
	go func() {
		defer stdin.Close()
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		io.Copy(stdin, conn)
	}()
	return l, nil
}

// AttachStdin sends r to the command's stdin, and ends it when r ends.
func (c *Container) AttachStdin(r io.Reader) error {
	if !c.Config.Interactive {
		return errors.New("the container was not created with -i: its stdin is closed")
	}
	var conn net.Conn
	err := c.inDir(attachSocket, func(path string) error {
		var err error
		conn, err = net.Dial("unix", path)
		return err
	})
	if err != nil {
		return fmt.Errorf("attach to the container's stdin (is it running? another client attached?): %w", err)
	}
	defer conn.Close()
	if _, err := io.Copy(conn, r); err != nil {
		return err
	}
	return conn.(*net.UnixConn).CloseWrite()
}
