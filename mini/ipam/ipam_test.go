//mini:chapter 05

package ipam

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
)

func newPool(t *testing.T, subnet string) *Pool {
	t.Helper()
	dir := t.TempDir()
	p, err := Open(filepath.Join(dir, "mini0"), filepath.Join(dir, "lock"), netip.MustParsePrefix(subnet),
		netip.MustParsePrefix(subnet).Addr().Next())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAllocateParallelGivesDistinctAddresses(t *testing.T) {
	p := newPool(t, "10.88.0.0/24")
	me, err := Self()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[netip.Addr]string{}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("c%d", i)
			ip, _, err := p.Allocate(id, me)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
				return
			}
			if prev, ok := got[ip]; ok {
				t.Errorf("%s given to %s and %s", ip, prev, id)
			}
			got[ip] = id
		}()
	}
	wg.Wait()
	if _, ok := got[netip.MustParseAddr("10.88.0.1")]; ok {
		t.Error("the gateway address was handed out")
	}
	for _, id := range got {
		if err := p.Release(id); err != nil {
			t.Fatal(err)
		}
	}
	if all, err := p.Allocations(); err != nil || len(all) != 0 {
		t.Fatalf("after releasing all: %v, %v", all, err)
	}
}

func TestStaleAllocationIsReclaimed(t *testing.T) {
	p := newPool(t, "10.88.0.0/24")
	me, _ := Self()
	dead := Owner{PID: me.PID, Start: me.Start + 1} // same PID, another process: recycled
	first, _, err := p.Allocate("crashed", dead)
	if err != nil {
		t.Fatal(err)
	}
	ip, stale, err := p.Allocate("next", me)
	if err != nil {
		t.Fatal(err)
	}
	if ip != first || len(stale) != 1 || stale[0].ID != "crashed" {
		t.Fatalf("want %s taken back from the crashed container, got %s, stale %v", first, ip, stale)
	}
}

func TestSubnetFull(t *testing.T) {
	p := newPool(t, "10.88.0.0/30") // .0 network, .1 gateway, .2, .3 broadcast
	me, _ := Self()
	if ip, _, err := p.Allocate("a", me); err != nil || ip != netip.MustParseAddr("10.88.0.2") {
		t.Fatalf("got %s, %v", ip, err)
	}
	if _, _, err := p.Allocate("b", me); err == nil {
		t.Fatal("want an error when the subnet is full")
	}
}

func TestBroadcast(t *testing.T) {
	for subnet, want := range map[string]string{"10.88.0.0/16": "10.88.255.255", "192.168.7.0/24": "192.168.7.255"} {
		if got := lastAddr(netip.MustParsePrefix(subnet)); got.String() != want {
			t.Errorf("lastAddr(%s) = %s, want %s", subnet, got, want)
		}
	}
}
