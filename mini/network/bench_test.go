//mini:chapter 05

package network

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// The speeds the package's comments quote. Run as root:
//
//	go test -run XXX -bench . ./mini/network ./mini/nat

func BenchmarkVethCreateInNamespace(b *testing.B) { benchVeth(b, false) }
func BenchmarkVethCreateThenMove(b *testing.B)    { benchVeth(b, true) }

func benchVeth(b *testing.B, move bool) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ns := newNetns(b)
		host := fmt.Sprintf("mbench%d", i%1000)
		b.StartTimer()
		peer := fmt.Sprintf("mbpeer%d", i%1000)
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: host}, PeerName: peer}
		if !move {
			veth.PeerNamespace = netlink.NsFd(int(ns))
		}
		if err := netlink.LinkAdd(veth); err != nil {
			b.Fatal(err)
		}
		if move {
			l, err := netlink.LinkByName(peer)
			if err == nil {
				err = netlink.LinkSetNsFd(l, int(ns))
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		deleteNetns(b, ns, host)
		b.StartTimer()
	}
}

func BenchmarkTeardownNetns(b *testing.B)   { benchTeardown(b, false) }
func BenchmarkTeardownLinkDel(b *testing.B) { benchTeardown(b, true) }

func benchTeardown(b *testing.B, linkDel bool) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ns := newNetns(b)
		host := fmt.Sprintf("mbench%d", i%1000)
		if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: host}, PeerName: "eth0", PeerNamespace: netlink.NsFd(int(ns))}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if linkDel {
			l, err := netlink.LinkByName(host)
			if err == nil {
				err = netlink.LinkDel(l)
			}
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
		}
		deleteNetns(b, ns, host) // closing the last reference: the kernel deletes namespace and veth
		b.StartTimer()
	}
}

// newNetns makes a network namespace held only by the returned file descriptor.
func newNetns(b *testing.B) netns.NsHandle {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	type result struct {
		ns  netns.NsHandle
		err error
	}
	done := make(chan result)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer orig.Close()
		ns, err := netns.New()
		if netns.Set(orig) == nil {
			runtime.UnlockOSThread() // otherwise the thread, left in ns, dies with the goroutine
		}
		done <- result{ns, err}
	}()
	r := <-done
	if r.err != nil {
		b.Fatal(r.err)
	}
	return r.ns
}

// deleteNetns closes ns and waits until the kernel has deleted the veth host with it.
func deleteNetns(b *testing.B, ns netns.NsHandle, host string) {
	ns.Close()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if _, err := netlink.LinkByName(host); err != nil {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
	b.Fatalf("%s still exists 5 s after its namespace was closed", host)
}
