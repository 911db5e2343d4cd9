//mini:chapter 06

// Command lab runs a registry for chapter 06's lesson: Debian's docker-registry on loopback,
// behind token auth (or htpasswd, or none), with a small image pushed to lab/hello:latest, so that
// a pull can be done by hand with curl, challenge and token included, with no network.
//
//	go run ./mini/registry/registrytest/lab             # token auth
//	go run ./mini/registry/registrytest/lab -auth basic # htpasswd
//	go run ./mini/registry/registrytest/lab -auth none
//
// It prints the addresses and the login, and removes everything when stopped with Ctrl-C.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/minikit/kit/mini/registry/registrytest"
)

func main() {
	auth := flag.String("auth", "token", "token, basic or none")
	flag.Parse()
	modes := map[string]registrytest.Mode{"token": registrytest.Token, "basic": registrytest.Basic, "none": registrytest.Anonymous}
	mode, ok := modes[*auth]
	if !ok {
		fmt.Fprintf(os.Stderr, "lab: -auth %q: want token, basic or none\n", *auth)
		os.Exit(2)
	}
	l := &lab{}
	defer l.cleanup()
	if !l.run(mode) {
		os.Exit(1)
	}
}

func (l *lab) run(mode registrytest.Mode) (ok bool) {
	defer func() {
		// Fatal ends the lab by panicking with labFailed, as a test's Fatal ends the test.
		if r := recover(); r != nil && r != labFailed {
			panic(r)
		}
	}()
	reg := registrytest.Start(l, mode)
	layout := registrytest.NewLayout(l)
	layout.Index(l, layout.Image(l, "amd64",
		registrytest.Tar(l, map[string]string{"hello.txt": "hello from the lab registry\n"})))
	reg.Push(l, layout.Dir, "lab/hello:latest")
	fmt.Printf("registry:  http://%s   (image: %s/lab/hello:latest)\n", reg.Host, reg.Host)
	if reg.Tokens != nil {
		fmt.Printf("token server: %s/token   (service %s)\n", reg.Tokens.URL, registrytest.Service)
	}
	if mode != registrytest.Anonymous {
		fmt.Printf("login:     %s / %s\n", registrytest.User, registrytest.Password)
	}
	fmt.Println("Ctrl-C stops the registry and removes its files.")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	return true
}

// lab is the registrytest.T of a program: failures print and end the lab; cleanups run at exit.
type lab struct {
	cleanups []func()
	dirs     []string
}

type failure struct{}

var labFailed = failure{}

func (l *lab) Helper() {}

func (l *lab) Fatal(args ...any) {
	fmt.Fprintln(os.Stderr, append([]any{"lab:"}, args...)...)
	panic(labFailed)
}

func (l *lab) Fatalf(format string, args ...any) { l.Fatal(fmt.Sprintf(format, args...)) }

func (l *lab) Skipf(format string, args ...any) { l.Fatalf(format, args...) }

func (l *lab) TempDir() string {
	dir, err := os.MkdirTemp("", "mini-registry-lab-")
	if err != nil {
		l.Fatal(err)
	}
	l.dirs = append(l.dirs, dir)
	return dir
}

func (l *lab) Cleanup(f func()) { l.cleanups = append(l.cleanups, f) }

// cleanup stops what was started, last first, then removes the directories.
func (l *lab) cleanup() {
	for i := len(l.cleanups) - 1; i >= 0; i-- {
		l.cleanups[i]()
	}
	for _, d := range l.dirs {
		os.RemoveAll(d)
	}
}
