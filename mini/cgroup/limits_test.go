//mini:chapter 03

package cgroup

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCh03Step1LimitFiles: the control files and values that set 64 MiB, half a CPU and 10
// processes, on both versions (the e2e tests see only the host's own).
func TestCh03Step1LimitFiles(t *testing.T) {
	r := Resources{Memory: 64 << 20, CPUs: 0.5, Pids: 10}
	want := map[int][]limit{
		2: {{"memory", "memory.max", "67108864"}, {"cpu", "cpu.max", "50000 100000"}, {"pids", "pids.max", "10"}},
		1: {{"memory", "memory.limit_in_bytes", "67108864"}, {"cpu", "cpu.cfs_period_us", "100000"},
			{"cpu", "cpu.cfs_quota_us", "50000"}, {"pids", "pids.max", "10"}},
	}
	for v, w := range want {
		got, err := limits(v, r)
		if err != nil {
			t.Fatalf("limits(v%d): %v", v, err)
		}
		if d := cmp.Diff(w, got, cmp.AllowUnexported(limit{})); d != "" {
			t.Errorf("limits(v%d) (-want +got):\n%s", v, d)
		}
	}
	// A resource left at zero gets no file: no limit.
	for _, v := range []int{1, 2} {
		got, err := limits(v, Resources{Pids: 3})
		if err != nil || len(got) != 1 || got[0].file != "pids.max" || got[0].value != "3" {
			t.Errorf("limits(v%d, pids only) = %v, %v; want only pids.max 3", v, got, err)
		}
	}
}
