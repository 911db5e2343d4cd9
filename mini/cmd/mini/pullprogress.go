//mini:chapter 06

package main

import (
	"fmt"
	"io"
	"sync"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/minikit/kit/mini/registry"
)

// pullProgress shows a pull's layers: a bar each on a terminal, one line each in a pipe (a log
// wants "Pull complete", not a thousand redrawn bars).
type pullProgress interface {
	registry.Progress
	wait() // the bars are drawn for the last time
}

func newPullProgress(out io.Writer, bars bool) pullProgress {
	if bars {
		return &barProgress{p: mpb.New(mpb.WithOutput(out), mpb.WithWidth(40))}
	}
	return &lineProgress{out: out}
}

// lineProgress prints one line per layer when it is done, as `docker pull` does in a pipe.
type lineProgress struct {
	mu  sync.Mutex
	out io.Writer
}

func (l *lineProgress) Exists(d v1.Descriptor) { l.line(d, "Already exists") }

func (l *lineProgress) Start(d v1.Descriptor) registry.BlobProgress {
	return &lineBlob{l: l, d: d}
}

func (l *lineProgress) wait() {}

func (l *lineProgress) line(d v1.Descriptor, what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.out, "%s: %s\n", d.Digest.Encoded()[:12], what)
}

type lineBlob struct {
	l *lineProgress
	d v1.Descriptor
}

func (b *lineBlob) Write(p []byte) (int, error) { return len(p), nil }

func (b *lineBlob) Done(err error) {
	if err == nil {
		b.l.line(b.d, "Pull complete")
	}
}

// barProgress draws a bar per layer.
type barProgress struct {
	p *mpb.Progress
}

func (b *barProgress) Exists(d v1.Descriptor) {
	bar := b.p.New(0, mpb.NopStyle(), mpb.PrependDecorators(decor.Name(d.Digest.Encoded()[:12]+": Already exists")))
	bar.SetTotal(0, true)
}

func (b *barProgress) Start(d v1.Descriptor) registry.BlobProgress {
	bar := b.p.AddBar(d.Size,
		mpb.PrependDecorators(decor.Name(d.Digest.Encoded()[:12]+": ")),
		mpb.AppendDecorators(decor.OnAbort(decor.OnComplete(decor.CountersKibiByte("% .1f / % .1f"), "Pull complete"), "failed")),
	)
	return &barBlob{bar: bar}
}

func (b *barProgress) wait() { b.p.Wait() }

type barBlob struct{ bar *mpb.Bar }

func (b *barBlob) Write(p []byte) (int, error) {
	b.bar.IncrBy(len(p))
	return len(p), nil
}

func (b *barBlob) Done(err error) {
	if err != nil {
		b.bar.Abort(false)
		return
	}
	b.bar.SetTotal(-1, true)
}
