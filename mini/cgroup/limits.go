//mini:chapter 03

package cgroup

import (
	"fmt"
	"strconv"
)

// limit is one value to write into one control file of the group: writing it is what sets the
// limit, the moment it is written (cgroups(7)).
type limit struct {
	controller string // the controller the file belongs to: on v1, whose hierarchy holds it
	file       string // the control file's name, e.g. "memory.max"
	value      string // what to write, as text
}

// limits lists the control files that set r on cgroup version v (1 or 2), in the order they must
// be written, with the value for each. A resource left at zero gets no file: no limit.
//
// The files are the kernel's interface, and the two versions name them differently
// (Documentation/admin-guide/cgroup-v2.rst and cgroup-v1/):
//
//	            v2                           v1
//	memory      memory.max: bytes            memory.limit_in_bytes: bytes
//	cpu         cpu.max: "quota period"      cpu.cfs_period_us, then cpu.cfs_quota_us
//	pids        pids.max                     pids.max
//
// The CPU quota and period, in microseconds, come from CPUQuota.
func limits(v int, r Resources) ([]limit, error) {
	//mini:solution 03.1 List the control files that set r on cgroup v2 (memory.max, cpu.max as "quota period", pids.max) and on v1 (memory.limit_in_bytes, cpu.cfs_period_us then cpu.cfs_quota_us, pids.max), each with the value to write.
	var l []limit
	if r.Memory > 0 {
		file := "memory.max"
		if v == 1 {
			file = "memory.limit_in_bytes"
		}
		l = append(l, limit{"memory", file, strconv.FormatInt(r.Memory, 10)})
	}
	if r.CPUs > 0 {
		quota, period, err := CPUQuota(r.CPUs)
		if err != nil {
			return nil, err
		}
		if v == 1 {
			// The period first: the kernel refuses a quota that does not fit the current period.
			l = append(l, limit{"cpu", "cpu.cfs_period_us", strconv.FormatInt(period, 10)},
				limit{"cpu", "cpu.cfs_quota_us", strconv.FormatInt(quota, 10)})
		} else {
			l = append(l, limit{"cpu", "cpu.max", fmt.Sprintf("%d %d", quota, period)})
		}
	}
	if r.Pids > 0 {
		l = append(l, limit{"pids", "pids.max", strconv.FormatInt(r.Pids, 10)})
	}
	return l, nil
	//mini:stub return nil, todo.Step("03.1")
	//mini:end
}
