package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minikit/kit/lessons/internal/app"
)

// syncBuffer lets the test read what watch writes from another goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestWatchChecksAgainOnSave(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan int)
	go func() {
		done <- app.Run(ctx, app.Options{
			Args:       []string{"lessons", "--repo", f.root, "watch", "00"},
			Stdout:     &out,
			Stderr:     &out,
			Getenv:     func(string) string { return "" },
			IsTerminal: func(io.Writer) bool { return false },
			Self:       "lessons",
			Poll:       20 * time.Millisecond,
		})
	}()
	waitFor := func(what string, n int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for strings.Count(out.String(), what) < n {
			if time.Now().After(deadline) {
				t.Fatalf("no %d× %q after a minute:\n%s", n, what, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("Watching exercises/00-process", 1)
	f.solve("00.1")
	waitFor("Watching exercises/00-process", 2)
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("watch ended with %d after Ctrl-C, want 0:\n%s", code, out.String())
	}
	got := out.String()
	for _, want := range []string{"saved proc/proc.go", "done         00.1", "Next: step 00.2"} {
		if !strings.Contains(got, want) {
			t.Errorf("watch output does not contain %q:\n%s", want, got)
		}
	}
}
