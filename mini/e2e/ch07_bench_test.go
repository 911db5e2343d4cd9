//mini:chapter 07

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minikit/kit/mini/registry/registrytest"
)

// Chapter 07's benchmarks (issue 13), side by side in one run with three engines Mini did not
// write, on the same busybox root filesystem:
//
//	crun, runc   the OCI runtimes alone: `crun run` of a bundle whose config.json is `crun spec`'s
//	             (a network namespace of its own with only loopback: what --network none is),
//	             the kit's rootfs as its read-only root; no image store, no overlay, no network
//	             (crun is skipped, saying why, on a host it refuses: hybrid cgroups)
//	podman       podman → conmon → runc, with a private store (overlay) and cgroup parent
//
// Aims, reported and never asserted (a benchmark, not a timed test): `mini run --rm` with no
// network no slower than crun's own run; on the default network at most 1.5× the no-network
// time; 100 detached containers started in under 1.5× crun's time, at ≤ 1 MiB PSS each
// including the monitor. `make bench` runs them, as root; docs/performance.md has the numbers.

// benchCount is how many detached containers BenchmarkCh07Detached starts.
const benchCount = 100

// BenchmarkCh07RunRm measures `run --rm` of /bin/true, with no network and on each engine's
// default network; and Mini's run without a monitor (--monitor=false, chapter 00's run).
func BenchmarkCh07RunRm(b *testing.B) {
	w := newBenchWorld(b)
	times := map[string]float64{}
	measure := func(name string, setup func(b *testing.B) func(i int) *exec.Cmd) {
		b.Run(name, func(b *testing.B) {
			command := setup(b)
			command(-1).Run() // warm up: the image imported, the default network made, caches full
			i := 0
			for b.Loop() {
				if out, err := command(i).CombinedOutput(); err != nil {
					b.Fatalf("%s: %v\n%s", name, err, out)
				}
				i++
			}
			ms := b.Elapsed().Seconds() * 1000 / float64(b.N)
			times[name] = ms
			b.ReportMetric(ms, "ms/run")
		})
	}
	for _, network := range []string{"none", "bridge"} {
		measure("mini-"+network, func(b *testing.B) func(int) *exec.Cmd {
			e := w.mini(b)
			return func(int) *exec.Cmd {
				return e.command(b.Context(), "run", "--rm", "--network", network, "busybox", "/bin/true")
			}
		})
	}
	// Chapter 00's run, Mini the parent and no monitor or record: what the monitor costs.
	measure("mini-nomonitor-none", func(b *testing.B) func(int) *exec.Cmd {
		e := w.mini(b)
		return func(int) *exec.Cmd {
			return e.command(b.Context(), "run", "--monitor=false", "--network", "none", "busybox", "/bin/true")
		}
	})
	for _, rt := range []string{"crun", "runc"} {
		measure(rt+"-none", func(b *testing.B) func(int) *exec.Cmd {
			o := w.oci(b, rt, "/bin/true")
			return func(i int) *exec.Cmd {
				cmd, err := o.command(fmt.Sprintf("bench%d", i+1), false)
				if err != nil {
					b.Fatal(err)
				}
				return cmd
			}
		})
	}
	for _, network := range []string{"none", "bridge"} {
		measure("podman-"+network, func(b *testing.B) func(int) *exec.Cmd {
			undoPodmanHost(b) // registered first: it runs after podman's own clean-up
			p := w.podman(b)
			return func(int) *exec.Cmd {
				return p.command("run", "--rm", "--network", network, p.image, "/bin/true")
			}
		})
	}
	aim := func(what string, got, limit float64) {
		verdict := "met"
		if got > limit {
			verdict = "NOT met"
		}
		b.Logf("aim %-44s %7.1f ms ≤ %7.1f ms: %s", what, got, limit, verdict)
	}
	for _, rt := range []string{"crun", "runc"} {
		if times["mini-none"] > 0 && times[rt+"-none"] > 0 {
			aim("run --rm, no network, no slower than "+rt+":", times["mini-none"], times[rt+"-none"])
		}
	}
	if times["mini-none"] > 0 && times["mini-bridge"] > 0 {
		aim("run --rm on the network ≤ 1.5× no network:", times["mini-bridge"], 1.5*times["mini-none"])
	}
}

// BenchmarkCh07Detached starts 100 detached `sleep` containers one after another (the time
// measured), then measures their memory: the PSS (proportional set size: a page shared by n
// processes counts 1/n in each, so shared code is not counted 100 times) of each container's
// processes and of its monitor, from /proc/PID/smaps_rollup; then removes them all.
func BenchmarkCh07Detached(b *testing.B) {
	w := newBenchWorld(b)
	starts := map[string]float64{}
	pss := map[string]float64{}
	// An engine gives measure a function that starts container i and returns its ID, and one
	// that names the process at the top of the container's tree (its monitor, when it has one).
	type engine struct {
		start  func(i int) (string, error)
		top    func(id string) (int, error)
		remove func(ids []string) error
	}
	measure := func(name string, setup func(b *testing.B) engine) {
		b.Run(name, func(b *testing.B) {
			en := setup(b)
			var startTime, rmTime time.Duration
			var total, monitor, n float64
			for b.Loop() {
				t0 := time.Now()
				var ids []string
				for i := range benchCount {
					id, err := en.start(i)
					if err != nil {
						b.StopTimer()
						en.remove(ids)
						b.Fatalf("%s: start container %d: %v", name, i+1, err)
					}
					ids = append(ids, id)
				}
				startTime += time.Since(t0)
				b.StopTimer()
				for _, id := range ids {
					top, err := en.top(id)
					if err != nil {
						en.remove(ids)
						b.Fatalf("%s: find container %s's processes: %v", name, id, err)
					}
					all, own := treePss(top)
					total += all
					monitor += own
				}
				n += benchCount
				t1 := time.Now()
				if err := en.remove(ids); err != nil {
					b.Fatalf("%s: remove the containers: %v", name, err)
				}
				rmTime += time.Since(t1)
				b.StartTimer()
			}
			iters := float64(b.N)
			starts[name] = startTime.Seconds() / iters
			pss[name] = total / n
			b.ReportMetric(starts[name], "s/100-starts")
			b.ReportMetric(rmTime.Seconds()/iters, "s/100-rm")
			b.ReportMetric(total/n, "PSS-KiB/ctr")
			if !strings.HasPrefix(name, "crun") && !strings.HasPrefix(name, "runc") {
				b.ReportMetric(monitor/n, "monitor-PSS-KiB")
			}
		})
	}
	for _, network := range []string{"none", "bridge"} {
		measure("mini-"+network, func(b *testing.B) engine {
			e := w.mini(b)
			run := func(args ...string) (string, error) {
				cmd := e.command(b.Context(), args...)
				var stderr strings.Builder
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					return "", fmt.Errorf("mini %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
				}
				return strings.TrimSpace(string(out)), nil
			}
			// Warm up: the image imported and the default network made before the clock runs.
			if _, err := run("run", "--rm", "--network", network, "busybox", "true"); err != nil {
				b.Fatal(err)
			}
			return engine{
				start: func(int) (string, error) {
					return run("run", "-d", "--network", network, "busybox", "sleep", "1000")
				},
				top: func(id string) (int, error) {
					out, err := run("inspect", "--format", "{{.State.MonitorPID}}", id)
					if err != nil {
						return 0, err
					}
					return strconv.Atoi(out)
				},
				remove: func(ids []string) error {
					if len(ids) == 0 {
						return nil
					}
					_, err := run(append([]string{"rm", "-f"}, ids...)...)
					return err
				},
			}
		})
	}
	for _, rt := range []string{"crun", "runc"} {
		measure(rt+"-none", func(b *testing.B) engine {
			o := w.oci(b, rt, "sleep", "1000")
			return engine{
				start: func(i int) (string, error) {
					id := fmt.Sprintf("sleep%d", i+1)
					cmd, err := o.command(id, true)
					if err != nil {
						return "", err
					}
					// Detached, the container keeps the runtime's stdio: none (/dev/null),
					// so that no pipe of ours stays open in it.
					if err := cmd.Run(); err != nil {
						return "", fmt.Errorf("%s run --detach %s: %v", rt, id, err)
					}
					return id, nil
				},
				top: func(id string) (int, error) {
					out, err := o.run("state", id)
					if err != nil {
						return 0, err
					}
					var s struct{ Pid int }
					return s.Pid, json.Unmarshal([]byte(out), &s)
				},
				remove: func(ids []string) error {
					for _, id := range ids {
						if _, err := o.run("delete", "--force", id); err != nil {
							return err
						}
					}
					return nil
				},
			}
		})
	}
	for _, network := range []string{"none", "bridge"} {
		measure("podman-"+network, func(b *testing.B) engine {
			undoPodmanHost(b) // registered first: it runs after podman's own clean-up
			p := w.podman(b)
			run := func(args ...string) (string, error) {
				out, err := p.command(args...).CombinedOutput()
				if err != nil {
					return "", fmt.Errorf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return strings.TrimSpace(string(out)), nil
			}
			return engine{
				start: func(int) (string, error) {
					return run("run", "-d", "--network", network, p.image, "sleep", "1000")
				},
				top: func(id string) (int, error) {
					out, err := run("inspect", "--format", "{{.State.ConmonPid}}", id)
					if err != nil {
						return 0, err
					}
					return strconv.Atoi(out)
				},
				remove: func(ids []string) error {
					if len(ids) == 0 {
						return nil
					}
					_, err := run(append([]string{"rm", "--force", "--time", "0"}, ids...)...)
					return err
				},
			}
		})
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	for _, rt := range []string{"crun", "runc"} {
		if starts["mini-none"] > 0 && starts[rt+"-none"] > 0 {
			b.Logf("aim 100 detached ≤ 1.5× %s's time: %.2f s ≤ %.2f s: %s", rt, starts["mini-none"],
				1.5*starts[rt+"-none"], verdict(starts["mini-none"] <= 1.5*starts[rt+"-none"]))
		}
	}
	if pss["mini-none"] > 0 {
		b.Logf("aim ≤ 1 MiB PSS per container with its monitor: %.0f KiB (podman with conmon: %.0f KiB): %s",
			pss["mini-none"], pss["podman-none"], verdict(pss["mini-none"] <= 1024))
	}
}

// benchWorld is what one benchmark's engines share: a short temporary directory (podman
// wants a runroot of at most 50 characters) and the names of the cgroup parents it made.
type benchWorld struct {
	dir    string
	prefix string // of every cgroup parent of this benchmark: mini-bench-PID
}

func newBenchWorld(b *testing.B) *benchWorld {
	if h.err != nil || h.bin == "" {
		b.Skip("needs root and the test harness: run `sudo make bench`")
	}
	registrytest.NeedTools(b, "crun", "runc", "podman", "conmon")
	w := &benchWorld{dir: benchDir(b), prefix: fmt.Sprintf("mini-bench-%d", os.Getpid())}
	b.Cleanup(func() { os.RemoveAll(w.dir) })
	return w
}

// mini is an env with a state root of its own whose `mini run busybox` runs the kit's busybox
// image; its networks are removed (mini system reset) when the benchmark ends, and its cgroup
// parent goes with its last container.
func (w *benchWorld) mini(b *testing.B) *env {
	e := &env{root: w.sub(b, "mini"), parent: w.prefix + "-mini",
		extra: []string{"MINI_ROOTFS=", "MINI_BUSYBOX_DIR=" + h.rootfs}}
	b.Cleanup(func() {
		if out, err := e.command(context.Background(), "system", "reset").CombinedOutput(); err != nil {
			b.Errorf("mini system reset: %v\n%s", err, out)
		}
	})
	return e
}

// sub is a new directory under the world's, removed when b ends.
func (w *benchWorld) sub(b *testing.B, name string) string {
	dir, err := os.MkdirTemp(w.dir, name+"-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// oci is an OCI runtime (crun, runc) with a state directory and a bundle of the benchmark's own.
type oci struct {
	rt, state, bundle string
	parent            string // the containers' cgroups go under it, removed when b ends
	config            string // config.json, with cgroupPlaceholder where each container's cgroup goes
}

const cgroupPlaceholder = "@CGROUP@"

// oci writes an OCI bundle for runtime rt that runs args on the kit's rootfs, read-only, from
// the runtime's own `spec`: new PID, mount, IPC, UTS and network namespaces (that last one with
// only loopback, as --network none has it).
func (w *benchWorld) oci(b *testing.B, rt string, args ...string) *oci {
	o := &oci{rt: rt, state: w.sub(b, rt+"-state"), bundle: w.sub(b, rt+"-bundle"), parent: w.prefix + "-" + rt}
	if out, err := exec.Command(rt, "spec", "--bundle", o.bundle).CombinedOutput(); err != nil {
		b.Fatalf("%s spec: %v\n%s", rt, err, out)
	}
	data, err := os.ReadFile(filepath.Join(o.bundle, "config.json"))
	if err != nil {
		b.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(data, &spec); err != nil {
		b.Fatalf("%s spec's config.json: %v", rt, err)
	}
	process := spec["process"].(map[string]any)
	process["terminal"] = false
	spec["root"] = map[string]any{"path": h.rootfs, "readonly": true}
	spec["linux"].(map[string]any)["cgroupsPath"] = cgroupPlaceholder
	config := func(args []string) string {
		process["args"] = args
		data, err := json.MarshalIndent(spec, "", "\t")
		if err != nil {
			b.Fatal(err)
		}
		return string(data)
	}
	b.Cleanup(func() { removeBenchCgroup(b, o.parent) })
	// One run of /bin/true first: does the runtime run on this host at all?
	o.config = config([]string{"/bin/true"})
	probe, err := o.command("probe", false)
	if err != nil {
		b.Fatal(err)
	}
	if out, err := probe.CombinedOutput(); err != nil {
		if strings.Contains(string(out), "hybrid mode not supported") {
			// crun (1.8) runs on no hybrid cgroup host whose cgroup v2 hierarchy has
			// controllers, with or without --cgroup-manager=disabled.
			b.Skipf("%s refuses this host: %s", rt, strings.TrimSpace(string(out)))
		}
		b.Fatalf("%s run of /bin/true: %v\n%s", rt, err, out)
	}
	o.config = config(args)
	return o
}

// command runs container id (`rt run`, with --detach when detach): its cgroup, under the
// runtime's parent, is written into the bundle's config.json first (the runtimes take it from
// there only), a write of a few KiB timed with the run.
func (o *oci) command(id string, detach bool) (*exec.Cmd, error) {
	config := strings.Replace(o.config, cgroupPlaceholder, "/"+o.parent+"/"+id, 1)
	if err := os.WriteFile(filepath.Join(o.bundle, "config.json"), []byte(config), 0o644); err != nil {
		return nil, err
	}
	args := []string{"--root", o.state, "run", "--bundle", o.bundle, id}
	if detach {
		args = slices.Insert(args, 3, "--detach")
	}
	return exec.Command(o.rt, args...), nil
}

// run is one runtime command but run, with the output in the error.
func (o *oci) run(args ...string) (string, error) {
	out, err := exec.Command(o.rt, append([]string{"--root", o.state}, args...)...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", o.rt, strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// benchPodman runs podman with a store, run root and libpod state of the benchmark's own,
// and its containers under a cgroup parent of the benchmark's own.
type benchPodman struct {
	dir, parent, image string
}

// podman imports the kit's rootfs into a private podman store as the image it runs.
func (w *benchWorld) podman(b *testing.B) *benchPodman {
	p := &benchPodman{dir: w.sub(b, "podman"), parent: w.prefix + "-podman", image: "localhost/busybox:bench"}
	b.Cleanup(func() {
		p.command("rm", "--all", "--force", "--time", "0").Run()
		removeBenchCgroup(b, p.parent)
		unmountUnder(b, p.dir)
	})
	tarball := filepath.Join(p.dir, "busybox.tar")
	if out, err := exec.Command("tar", "-C", h.rootfs, "-cf", tarball, ".").CombinedOutput(); err != nil {
		b.Fatalf("tar the rootfs: %v\n%s", err, out)
	}
	if out, err := p.command("import", "--quiet", tarball, p.image).CombinedOutput(); err != nil {
		b.Fatalf("podman import: %v\n%s", err, out)
	}
	return p
}

// command is one podman invocation. Run's options are given to run: on this machine podman
// needs its ulimits named (its defaults are above what the host allows), and runc as its
// runtime (crun refuses a hybrid cgroup host whose cgroup v2 hierarchy has controllers).
func (p *benchPodman) command(args ...string) *exec.Cmd {
	base := []string{"--root", filepath.Join(p.dir, "root"), "--runroot", filepath.Join(p.dir, "run"),
		"--tmpdir", filepath.Join(p.dir, "tmp"), "--storage-driver", "overlay",
		"--cgroup-manager", "cgroupfs", "--events-backend", "file", "--runtime", "runc"}
	if args[0] == "run" {
		args = slices.Insert(args, 1, "--cgroup-parent", "/"+p.parent,
			"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
	}
	cmd := exec.Command("podman", append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+p.dir)
	return cmd
}

// undoPodmanHost puts back, when b ends, what podman and its default network (CNI's bridge
// plugin here) leave on the host after their last container: the cni-podman0 bridge, its
// iptables chains and rules, IP forwarding turned on, the address store in /var/lib/cni, and
// /run/netns bind-mounted on itself (shared, as `ip netns add` does it) for the named network
// namespaces.
func undoPodmanHost(b *testing.B) {
	before := snapshotHost()
	_, cniErr := os.Stat("/var/lib/cni")
	_, netnsErr := os.Stat("/run/netns")
	b.Cleanup(func() {
		after := snapshotHost()
		for _, link := range after.Links {
			if !slices.Contains(before.Links, link) {
				if out, err := exec.Command("ip", "link", "delete", link).CombinedOutput(); err != nil {
					b.Errorf("delete podman's link %s: %v\n%s", link, err, out)
				}
			}
		}
		if script := iptablesUndo(before.Iptables, after.Iptables); script != "" {
			cmd := exec.Command("iptables-restore", "--noflush")
			cmd.Stdin = strings.NewReader(script)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Errorf("remove podman's iptables rules: %v\n%s\n%s", err, out, script)
			}
		}
		if after.Forward != before.Forward {
			os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte(before.Forward), 0o644)
		}
		if os.IsNotExist(cniErr) {
			os.RemoveAll("/var/lib/cni")
		}
		for _, m := range after.Mounts {
			if strings.HasPrefix(m, "/run/netns ") && !slices.Contains(before.Mounts, m) {
				if out, err := exec.Command("umount", "/run/netns").CombinedOutput(); err != nil {
					b.Errorf("umount podman's /run/netns: %v\n%s", err, out)
				}
			}
		}
		if os.IsNotExist(netnsErr) {
			os.Remove("/run/netns") // only if empty
		}
	})
}

// iptablesUndo is an iptables-restore script (for --noflush) that removes the rules and chains
// in after that are not in before (both as iptablesRules lists them: "*table -A ..." and
// "*table :CHAIN"): rules in older chains deleted one by one, new chains flushed and deleted.
func iptablesUndo(before, after []string) string {
	tables := map[string][]string{}
	var order []string
	add := func(table, line string) {
		if _, ok := tables[table]; !ok {
			order = append(order, table)
		}
		tables[table] = append(tables[table], line)
	}
	newChain := map[string]bool{}
	for _, l := range after {
		if table, chain, ok := strings.Cut(l, " :"); ok && !slices.Contains(before, l) {
			newChain[table+" "+chain] = true
		}
	}
	for _, l := range after {
		table, rule, ok := strings.Cut(l, " -A ")
		if !ok || slices.Contains(before, l) || newChain[table+" "+strings.Fields(rule)[0]] {
			continue
		}
		add(table, "-D "+rule)
	}
	for key := range newChain {
		table, chain, _ := strings.Cut(key, " ")
		add(table, "-F "+chain)
	}
	for key := range newChain {
		table, chain, _ := strings.Cut(key, " ")
		add(table, "-X "+chain)
	}
	var sb strings.Builder
	for _, t := range order {
		fmt.Fprintf(&sb, "%s\n%s\nCOMMIT\n", t, strings.Join(tables[t], "\n"))
	}
	return sb.String()
}

// removeBenchCgroup removes a cgroup parent a runtime made under the benchmark's name, in
// every hierarchy, with its empty children; their last processes (a conmon) may take a
// moment to go, so it tries for a few seconds.
func removeBenchCgroup(b *testing.B, name string) {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", name))
	if v2 := filepath.Join("/sys/fs/cgroup", name); dirExists(v2) {
		dirs = append(dirs, v2)
	}
	for _, d := range dirs {
		var err error
		for try := 0; try < 50; try++ {
			children, _ := filepath.Glob(filepath.Join(d, "*", "cgroup.procs"))
			for _, c := range children {
				os.Remove(filepath.Dir(c))
			}
			if err = os.Remove(d); err == nil || os.IsNotExist(err) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil && !os.IsNotExist(err) {
			b.Errorf("remove the cgroup %s: %v", d, err)
		}
	}
}

// treePss sums the PSS, in KiB, of process pid and all its descendants (all), and of pid
// alone (own).
func treePss(pid int) (all, own float64) {
	own = pssKiB(pid)
	all = own
	for _, child := range children(pid) {
		a, _ := treePss(child)
		all += a
	}
	return all, own
}

// pssKiB is the Pss line of /proc/PID/smaps_rollup (proc(5)), 0 if the process is gone.
func pssKiB(pid int) float64 {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			kib, _ := strconv.ParseFloat(f[1], 64)
			return kib
		}
	}
	return 0
}
