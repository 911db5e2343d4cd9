package doctor

import "strings"

type namespaceUse struct {
	name     string
	why      string
	optional bool
}

// namespaceUses says why Mini needs each namespace (see namespaces(7)).
func namespaceUses() []namespaceUse {
	return []namespaceUse{
		{"uts", "own hostname", false},
		{"pid", "the command is PID 1 and sees only its own processes", false},
		{"mnt", "own mounts, so pivot_root and /proc do not touch the host", false},
		{"ipc", "own System V IPC and POSIX message queues", false},
		{"net", "own network stack (chapter 05)", false},
		{"cgroup", "hides the host's cgroup paths from the container", true},
		{"user", "only for rootless experiments; Mini runs as root", true},
	}
}

// checkNamespaces looks for /proc/self/ns/<type>, which exists for every namespace type the
// running kernel was built with.
func checkNamespaces(o Options) Result {
	r := Result{Item: "namespaces"}
	var have, missing, missingOptional []string
	for _, ns := range namespaceUses() {
		switch {
		case exists(o.proc("self", "ns", ns.name)):
			have = append(have, ns.name)
		case ns.optional:
			missingOptional = append(missingOptional, ns.name+" ("+ns.why+")")
		default:
			missing = append(missing, ns.name+" ("+ns.why+")")
		}
	}
	switch {
	case len(missing) > 0:
		r.Level = Problem
		r.Finding = "missing " + strings.Join(append(missing, missingOptional...), ", ")
		r.Fix = "use a kernel built with CONFIG_NAMESPACES and CONFIG_{UTS,PID,IPC,NET}_NS"
	case len(missingOptional) > 0:
		r.Level = Warning
		r.Finding = strings.Join(have, " ") + " available; missing " + strings.Join(missingOptional, ", ")
		r.Fix = "nothing to do for the core chapters"
	default:
		r.Level, r.Finding = OK, strings.Join(have, " ")+" available"
	}
	return r
}
