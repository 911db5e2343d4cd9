//mini:chapter 03

package cgroup

import (
	"runtime"
	"strconv"
	"testing"
)

func TestCh03ParseMemory(t *testing.T) {
	good := map[string]int64{
		"64m": 64 << 20, "64M": 64 << 20, "64mb": 64 << 20, "64MiB": 64 << 20,
		"1g": 1 << 30, "1.5g": 3 << 29, "10485760": 10 << 20, "10485760b": 10 << 20,
		"8192k": 8 << 20, " 7m ": 7 << 20,
	}
	for in, want := range good {
		got, err := ParseMemory(in)
		if err != nil || got != want {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12x", "m", "-64m", "64mm", "1e9", "NaN", "inf", "1k", "5m", "0"} {
		if got, err := ParseMemory(in); err == nil {
			t.Errorf("ParseMemory(%q) = %d; want an error", in, got)
		}
	}
}

func TestCh03CPUQuota(t *testing.T) {
	for cpus, want := range map[float64]int64{0.5: 50000, 1: 100000, 2: 200000, 0.01: 1000, 1.25: 125000, 0.29: 29000} {
		quota, period, err := CPUQuota(cpus)
		if err != nil || quota != want || period != 100000 {
			t.Errorf("CPUQuota(%v) = %d, %d, %v; want %d, 100000", cpus, quota, period, err, want)
		}
	}
}

func TestCh03ParseCPUs(t *testing.T) {
	if v, err := ParseCPUs("0.5"); err != nil || v != 0.5 {
		t.Errorf("ParseCPUs(0.5) = %v, %v", v, err)
	}
	too := strconv.Itoa(runtime.NumCPU() + 1)
	for _, in := range []string{"", "abc", "0", "0.001", "-1", "NaN", too} {
		if v, err := ParseCPUs(in); err == nil {
			t.Errorf("ParseCPUs(%q) = %v; want an error", in, v)
		}
	}
}

func TestCh03ParsePids(t *testing.T) {
	if v, err := ParsePids("100"); err != nil || v != 100 {
		t.Errorf("ParsePids(100) = %v, %v", v, err)
	}
	for _, in := range []string{"", "0", "-1", "1.5", "many"} {
		if v, err := ParsePids(in); err == nil {
			t.Errorf("ParsePids(%q) = %v; want an error", in, v)
		}
	}
}

func TestCh03FormatBytes(t *testing.T) {
	for in, want := range map[int64]string{64 << 20: "64MiB", 3 << 29: "1.5GiB", 100: "100B"} {
		if got := FormatBytes(in); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestCh03ParseMemoryOverflowAndHex(t *testing.T) {
	for _, in := range []string{"99999999999t", "0x1p30", "1_000m"} {
		if got, err := ParseMemory(in); err == nil {
			t.Errorf("ParseMemory(%q) = %d; want an error", in, got)
		}
	}
	if q, _, _ := CPUQuota(0.29); q != 29000 {
		t.Errorf("CPUQuota(0.29) = %d, want 29000 (rounded, not truncated)", q)
	}
}

func TestCh03ParentMustBeOneName(t *testing.T) {
	for _, parent := range []string{"..", "/", "a/b", "../system.slice", "."} {
		// layout, not New: a broken check must not create groups outside Mini's parent.
		o := Options{Parent: parent, Name: "x"}
		if _, err := o.layout(); err == nil {
			t.Errorf("New with --cgroup-parent %q: want an error", parent)
		}
	}
}
