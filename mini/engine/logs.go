//mini:chapter 07

package engine

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/logfile"
)

// LogOptions are `mini logs`' flags.
type LogOptions struct {
	Follow     bool // -f: go on until the container stops
	Tail       int  // --tail N: only the last N lines; -1 for all
	Timestamps bool // -t
	// Offset is where in the log file to start (LogSize before a start: only that run's lines).
	Offset int64
	// Until, with Follow: stop once it is closed too (the monitor's exit report has come, so
	// every line is written), not only once the monitor is gone.
	Until <-chan struct{}
}

// LogSize is the log's current length: pass it as LogOptions.Offset to read only what comes next.
func (c *Container) LogSize() int64 {
	st, err := os.Stat(c.Path(logFile))
	if err != nil {
		return 0
	}
	return st.Size()
}

// Logs writes the container's log to stdout and stderr, each line to the stream it came on.
func (c *Container) Logs(stdout, stderr io.Writer, o LogOptions) error {
	f, err := os.Open(c.Path(logFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil // never started: no log yet
	}
	if err != nil {
		return fmt.Errorf("open the container's log: %w", err)
	}
	defer f.Close()
	if o.Offset > 0 {
		if _, err := f.Seek(o.Offset, io.SeekStart); err != nil {
			return err
		}
	}
	br := bufio.NewReader(f)
	var lines []logfile.Entry
	readAll := func() error {
		for {
			line, err := br.ReadBytes('\n')
			if errors.Is(err, io.EOF) {
				// A partial line is the monitor writing it right now: read it next time.
				if len(line) > 0 {
					if _, serr := f.Seek(-int64(len(line)), io.SeekCurrent); serr != nil {
						return serr
					}
					br.Reset(f)
				}
				return nil
			}
			if err != nil {
				return err
			}
			var e logfile.Entry
			if err := json.Unmarshal(line, &e); err != nil {
				return fmt.Errorf("the container's log has a bad line: %w", err)
			}
			lines = append(lines, e)
		}
	}
	print := func() {
		for _, e := range lines {
			w := stdout
			if e.Stream == "stderr" {
				w = stderr
			}
			if o.Timestamps {
				fmt.Fprintf(w, "%s %s", e.Time.Format(time.RFC3339Nano), e.Log)
			} else {
				io.WriteString(w, e.Log)
			}
		}
		lines = lines[:0]
	}
	if err := readAll(); err != nil {
		return err
	}
	if o.Tail >= 0 && len(lines) > o.Tail {
		lines = lines[len(lines)-o.Tail:]
	}
	print()
	if !o.Follow {
		return nil
	}
	// The kernel says when the monitor has written (watchWrites), but only for a follow that
	// lasts: closing an inotify instance waits for an SRCU grace period of the kernel's, some
	// 10 ms, which a short run (`run --rm busybox true`) would pay for nothing. Until then, and
	// for the monitor's end, a look every so often.
	var written <-chan struct{}
	stop := func() {}
	defer func() { stop() }()
	wait := 50 * time.Millisecond
	for {
		done := !c.MonitorAlive()
		select {
		case <-o.Until:
			done = true
		case <-written:
		case <-time.After(wait):
			if written == nil {
				written, stop = watchWrites(c.Path(logFile))
				wait = 100 * time.Millisecond
			}
		}
		if err := readAll(); err != nil {
			return err
		}
		print()
		if done {
			return nil
		}
	}
}

// watchWrites tells on the channel when the file at path is written to: inotify(7), the
// kernel's own notice (`inotifywait -m -e modify FILE` by hand), so that `logs -f` and a
// foreground run print a line as soon as the monitor has written it. Without it (no inotify
// here), the look every 100 ms that Logs also makes for the monitor's end is all there is.
func watchWrites(path string) (<-chan struct{}, func()) {
	written := make(chan struct{}, 1)
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return written, func() {}
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_MODIFY); err != nil {
		unix.Close(fd)
		return written, func() {}
	}
	// Non-blocking, so Go's poller waits for it: Close then ends the Read below.
	f := os.NewFile(uintptr(fd), "inotify")
	go func() {
		events := make([]byte, 4096)
		for {
			if _, err := f.Read(events); err != nil {
				return
			}
			select {
			case written <- struct{}{}:
			default: // one notice pending is enough: the reader reads all there is
			}
		}
	}()
	return written, func() { f.Close() }
}
