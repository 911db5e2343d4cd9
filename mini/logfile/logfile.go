//mini:chapter 07

// Package logfile writes a container's log, container.log, in Docker's json-file format: one
// JSON object per line, {"log": ..., "stream": "stdout"|"stderr", "time": ...}. Two programs
// write it, the monitor (`mini monitor`) and the shim that takes its place while the container
// runs (`mini-shim`), and both must write the very same lines. The package imports nothing but
// the standard library: every package the shim imports costs memory in each container's shim.
package logfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Entry is one line of the log. `docker logs` and tools made for Docker's json-file logs can
// read Mini's.
type Entry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// Writer appends what the command writes on its streams to the log, a line at a time. The
// monitor (or the shim) owns it: the command writes into a pipe, never into the log file
// itself, so a command cannot forge another stream's lines or the timestamps.
type Writer struct {
	mu   *sync.Mutex
	file *os.File
}

// New is a Writer that appends to file, opened with O_APPEND.
func New(file *os.File) Writer { return Writer{mu: new(sync.Mutex), file: file} }

// CopyLines copies r to the log as stream until EOF (the command, and every process that
// inherited its stdout, has closed it).
func (w Writer) CopyLines(r io.Reader, stream string) error {
	br := bufio.NewReaderSize(r, 16*1024)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			data, merr := json.Marshal(Entry{Log: line, Stream: stream, Time: time.Now().UTC()})
			if merr != nil {
				return merr
			}
			w.mu.Lock()
			_, werr := w.file.Write(append(data, '\n'))
			w.mu.Unlock()
			if werr != nil {
				return fmt.Errorf("write the container's log: %w", werr)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// To is a writer that appends to the log as stream: the monitor's own words about the command
// (container.Config.Messages), which may come after the command's pipes have closed.
func (w Writer) To(stream string) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		return len(p), w.CopyLines(bytes.NewReader(p), stream)
	})
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
