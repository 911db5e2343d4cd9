//mini:chapter 07

package network

import (
	"net/netip"
	"strings"
	"testing"
)

// --network takes a network's name besides bridge, none and host; bridge is the default network.
func TestCh07ParseNetworkName(t *testing.T) {
	for mode, want := range map[string]Options{
		"bridge": {Mode: Bridge, Network: DefaultNetwork},
		"none":   {Mode: None},
		"host":   {Mode: Host},
		"web-1":  {Mode: Bridge, Network: "web-1"},
	} {
		o, err := Parse(mode, DefaultBridge, "", nil)
		if err != nil || o.Mode != want.Mode || o.Network != want.Network {
			t.Errorf("--network %s: got mode %q network %q, %v; want %q %q", mode, o.Mode, o.Network, err, want.Mode, want.Network)
		}
	}
	if _, err := Parse("web-1", DefaultBridge, "", []string{"8080:80"}); err != nil {
		t.Errorf("-p on a named network: %v", err)
	}
	for _, bad := range []string{"bad/name", "-x", "a b", strings.Repeat("n", 65)} {
		if _, err := Parse(bad, DefaultBridge, "", nil); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("--network %q: want a one-line refusal, got %v", bad, err)
		}
	}
}

// A container's /etc/hosts: chapter 05's lines first, then its name, then the others.
func TestCh07HostsListsTheOthers(t *testing.T) {
	ep := Endpoint{ID: "a1", Name: "web", Hostname: "a1b2c3", IP: netip.MustParseAddr("10.123.0.2")}
	peers := []Endpoint{
		{ID: "b2", Name: "db", Hostname: "db", IP: netip.MustParseAddr("10.123.0.3")},
		{ID: "c3", Hostname: "cache", IP: netip.MustParseAddr("10.123.0.4")},
	}
	got := ep.hosts("shop", peers)
	want := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.123.0.2\ta1b2c3\n10.123.0.2\tweb\n" +
		"# the other containers on network shop\n10.123.0.3\tdb\n10.123.0.4\tcache\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
