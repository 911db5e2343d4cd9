//mini:chapter 05

// Package ipam hands out the addresses of a bridge's subnet to containers (IP address
// management): each container gets one no other live container has.
//
// An allocation is a file, <dir>/<address>, that names the container and the Mini process that
// owns it. All changes happen under an exclusive flock(2) on <dir>/../lock, so parallel starts
// never get the same address. An allocation whose owner process is gone (Mini was killed) is
// stale: the next Allocate takes it back and reports it, so its owner's other leftovers can go too.
package ipam

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Pool is the addresses of one subnet, kept in one directory.
type Pool struct {
	dir     string       // one file per allocated address
	lock    string       // the lock file, shared by every pool of the state root
	subnet  netip.Prefix // masked: 10.88.0.0/16
	gateway netip.Addr   // the bridge's own address, never handed out
}

// Allocation is one address given to one container.
type Allocation struct {
	IP    netip.Addr `json:"ip"`
	ID    string     `json:"id"`    // the container
	Owner Owner      `json:"owner"` // the Mini process that releases it
}

// Owner is a process, named so that a recycled PID is not mistaken for it: its start time
// (field 22 of /proc/<pid>/stat, see proc(5)) differs.
type Owner struct {
	PID   int    `json:"pid"`
	Start uint64 `json:"start"`
}

// Self is the calling process as an Owner.
func Self() (Owner, error) {
	pid := os.Getpid()
	start, err := startTime(pid)
	return Owner{PID: pid, Start: start}, err
}

//mini:begin 07

// Process is process pid as an Owner.
func Process(pid int) (Owner, error) {
	start, err := startTime(pid)
	return Owner{PID: pid, Start: start}, err
}

//mini:end 07

// Alive reports whether the owner process still runs.
func (o Owner) Alive() bool {
	start, err := startTime(o.PID)
	return err == nil && start == o.Start
}

// Open returns the pool of subnet kept in dir; lock is the lock file. gateway is kept out.
func Open(dir, lock string, subnet netip.Prefix, gateway netip.Addr) (*Pool, error) {
	if !subnet.Addr().Is4() || subnet.Bits() > 30 {
		return nil, fmt.Errorf("ipam: subnet %s: want an IPv4 subnet of at least 4 addresses (/30)", subnet)
	}
	return &Pool{dir: dir, lock: lock, subnet: subnet.Masked(), gateway: gateway}, nil
}

// Allocate gives container id the lowest free address, owned by owner, that is not in taken
// either (addresses in use that this pool does not know of: another state root's containers on
// the same bridge). It returns the allocations it found stale and took back.
func (p *Pool) Allocate(id string, owner Owner, taken ...netip.Addr) (netip.Addr, []Allocation, error) {
	var ip netip.Addr
	var stale []Allocation
	err := p.locked(func() error {
		all, err := p.list()
		if err != nil {
			return err
		}
		used := map[netip.Addr]bool{}
		for _, ip := range taken {
			used[ip] = true
		}
		for _, a := range all {
			if a.Owner.Alive() {
				used[a.IP] = true
				continue
			}
			if err := os.Remove(p.file(a.IP)); err != nil {
				return fmt.Errorf("ipam: reclaim stale %s: %w", a.IP, err)
			}
			stale = append(stale, a)
		}
		ip, err = p.free(used)
		if err != nil {
			return err
		}
		return p.write(Allocation{IP: ip, ID: id, Owner: owner})
	})
	return ip, stale, err
}

// Release gives back the address of container id. It is not an error if there is none.
func (p *Pool) Release(id string) error {
	return p.locked(func() error {
		all, err := p.list()
		if err != nil {
			return err
		}
		for _, a := range all {
			if a.ID == id {
				if err := os.Remove(p.file(a.IP)); err != nil {
					return fmt.Errorf("ipam: release %s: %w", a.IP, err)
				}
			}
		}
		// An empty pool leaves no directory behind.
		if err := os.Remove(p.dir); err != nil && !errors.Is(err, unix.ENOTEMPTY) && !os.IsNotExist(err) {
			return fmt.Errorf("ipam: %w", err)
		}
		return nil
	})
}

// Allocations lists the pool's allocations, live and stale.
func (p *Pool) Allocations() ([]Allocation, error) {
	var all []Allocation
	err := p.locked(func() (err error) {
		all, err = p.list()
		return err
	})
	return all, err
}

// free returns the lowest address of the subnet that is not the network address, the gateway,
// the broadcast address or used.
func (p *Pool) free(used map[netip.Addr]bool) (netip.Addr, error) {
	network := p.subnet.Addr()
	broadcast := lastAddr(p.subnet)
	for ip := network.Next(); ip.IsValid() && ip != broadcast; ip = ip.Next() {
		if ip != p.gateway && !used[ip] {
			return ip, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("ipam: no free address left in %s (%d in use): choose a larger --subnet", p.subnet, len(used))
}

// locked runs f holding the exclusive lock. flock(2) locks belong to the open file: if Mini dies,
// the kernel releases the lock with the file.
func (p *Pool) locked(f func() error) error {
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return fmt.Errorf("ipam: %w", err)
	}
	lf, err := os.OpenFile(p.lock, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("ipam: open the lock file: %w", err)
	}
	defer lf.Close()
	if err := unix.Flock(int(lf.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("ipam: lock %s: %w", p.lock, err)
	}
	return f()
}

func (p *Pool) file(ip netip.Addr) string { return filepath.Join(p.dir, ip.String()) }

// list reads every allocation file that belongs to the subnet.
func (p *Pool) list() ([]Allocation, error) {
	entries, err := os.ReadDir(p.dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("ipam: %w", err)
	}
	var all []Allocation
	for _, e := range entries {
		ip, err := netip.ParseAddr(e.Name())
		if err != nil || !p.subnet.Contains(ip) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(p.dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("ipam: %w", err)
		}
		var a Allocation
		if err := json.Unmarshal(data, &a); err != nil {
			// A half-written file (Mini died in the middle) is treated as stale.
			a = Allocation{IP: ip}
		}
		a.IP = ip
		all = append(all, a)
	}
	return all, nil
}

// write stores an allocation: to a temporary file first, renamed into place, so that a crash
// leaves either no allocation or a whole one.
func (p *Pool) write(a Allocation) error {
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	tmp := p.file(a.IP) + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("ipam: %w", err)
	}
	if err := os.Rename(tmp, p.file(a.IP)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("ipam: %w", err)
	}
	return nil
}

// lastAddr is the broadcast address of a subnet.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// startTime reads when process pid started, in clock ticks since boot.
func startTime(pid int) (uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces and parentheses: count from the last ')'.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}
