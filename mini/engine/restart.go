//mini:chapter 07

package engine

import (
	"fmt"
	"strconv"
	"strings"
)

// RestartPolicy is --restart: what the monitor does when the command ends.
type RestartPolicy struct {
	Name       string // no, on-failure, always, unless-stopped
	MaxRetries int    // on-failure:N; 0 means no limit
}

// ParseRestart reads --restart.
func ParseRestart(s string) (RestartPolicy, error) {
	name, max, hasMax := strings.Cut(s, ":")
	p := RestartPolicy{Name: name}
	switch name {
	case "", "no":
		p.Name = "no"
	case "always", "unless-stopped":
	case "on-failure":
		if hasMax {
			n, err := strconv.Atoi(max)
			if err != nil || n < 0 {
				return p, fmt.Errorf("invalid --restart %q: the retry count after on-failure: must be a number >= 0", s)
			}
			p.MaxRetries = n
			return p, nil
		}
	default:
		return p, fmt.Errorf("invalid --restart %q: use no, on-failure[:N], always or unless-stopped", s)
	}
	if hasMax {
		return p, fmt.Errorf("invalid --restart %q: only on-failure takes a retry count", s)
	}
	return p, nil
}

// again says whether the monitor starts the command again after it ended with status, the
// restarts-th time. A container stopped by `mini stop` or `mini kill` is never restarted (the
// user meant it); a monitor killed with it does not restart anything either.
func (p RestartPolicy) again(status, restarts int, stopped bool) bool {
	if stopped {
		return false
	}
	switch p.Name {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		return status != 0 && (p.MaxRetries == 0 || restarts < p.MaxRetries)
	}
	return false
}
