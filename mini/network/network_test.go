//mini:chapter 05

package network

import (
	"strings"
	"testing"
)

// A bridge's subnet must be an ordinary range: loopback would take the host's own 127.0.0.1
// traffic, and multicast, link-local and the rest are not for hosts.
func TestCh05SubnetRefusesSpecialRanges(t *testing.T) {
	for _, subnet := range []string{"127.0.0.0/8", "127.1.0.0/16", "169.254.0.0/16", "224.0.0.0/8", "239.1.0.0/16", "0.0.0.0/8", "240.0.0.0/8"} {
		_, err := Parse(Bridge, DefaultBridge, subnet, nil)
		if err == nil || !strings.Contains(err.Error(), "--subnet") || strings.Contains(err.Error(), "\n") {
			t.Errorf("--subnet %s: want a one-line refusal, got %v", subnet, err)
		}
	}
	if _, err := Parse(Bridge, DefaultBridge, "10.123.0.0/16", nil); err != nil {
		t.Errorf("--subnet 10.123.0.0/16: %v", err)
	}
}
