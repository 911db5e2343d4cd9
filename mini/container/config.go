package container

import (
	//mini:begin 07
	"io"
	//mini:end 07
	"os"

	"github.com/minikit/kit/mini/explain"
	//mini:begin 03
	"github.com/minikit/kit/mini/cgroup"
	//mini:end 03
	//mini:begin 04
	"github.com/minikit/kit/mini/overlay"
	//mini:end 04
	//mini:begin 05
	"github.com/minikit/kit/mini/network"
	//mini:end 05
	//mini:begin 07
	"github.com/minikit/kit/mini/volume"
	//mini:end 07
)

// Config is everything `mini run` asks for: the user's request, and nothing the host side works
// out from it (that is Instance's, and what the init side needs of it goes in initConfig).
// Options live here, in one struct, rather than in a long list of positional arguments: each
// chapter adds its own fields.
type Config struct {
	Args        []string // the command and its arguments
	Env         []string // the command's environment; DefaultEnv when empty
	Interactive bool     // -i: keep stdin open and attach it to the command
	TTY         bool     // -t: give the command a pseudo-terminal
	StateRoot   string   // --root: where the run's directory goes

	//mini:begin 01
	Rootfs    string // the directory that becomes the container's /
	Isolation string // how the root is changed: "chroot" (the lab mode) or, from chapter 02, "pivot_root"
	//mini:end 01

	//mini:begin 02
	Hostname string // the container's own hostname (UTS namespace); the run ID when empty
	//mini:end 02

	//mini:begin 03
	Resources    cgroup.Resources // memory, CPU and process-count limits
	CgroupParent string           // Mini's own parent group; the run's group is created below it
	//mini:end 03

	//mini:begin 04
	ReadOnly bool     // --read-only: no writable layer; every write to the root fails with EROFS
	Lower    []string // the read-only layers, top first; Run uses Rootfs alone when empty (chapter 06: an image's layers)
	//mini:end 04

	//mini:begin 05
	Network network.Options // --network, --bridge, --subnet, -p
	//mini:end 05

	//mini:begin 06
	User    string // who the command runs as: "name", "uid", "name:group" or "uid:gid"; root when empty
	WorkDir string // the command's working directory inside the container, made if missing; / when empty
	//mini:end 06

	//mini:begin 07
	ID      string         // the container record's ID: the run directory is the record's, kept between runs
	Keep    bool           // keep the run directory and its upper layer after the run (chapter 08's build too)
	Volumes []volume.Mount // -v: host directories and volumes, bind-mounted by the init side
	Init    bool           // --init: the init process stays as PID 1, reaps orphans, forks the command
	Name    string         // the container record's name: others on its network reach it by it
	//mini:end 07

	// Not sent to the init process.
	Explain *explain.Narrator `json:"-"` // --explain narration; nil for none
	Signals <-chan os.Signal  `json:"-"` // what the caller caught (see Signals), passed on to the command
	Stdin   *os.File          `json:"-"`
	Stdout  *os.File          `json:"-"`
	Stderr  *os.File          `json:"-"`
	//mini:begin 07
	// Console, with TTY, is handed the pseudo-terminal's master once the command holds the
	// slave, instead of Mini copying between the master and Stdin/Stdout: chapter 07's monitor
	// holds the terminal itself and serves it to whichever client attaches. It must close it.
	Console func(master *os.File) `json:"-"`
	// Messages, if set, takes Mini's own words about the run (the memory limit, a warning)
	// instead of Stderr: a monitor's Stderr is the command's pipe, which it closes once the
	// command has its own copy, long before the command ends.
	Messages io.Writer `json:"-"`
	// Narration, if set, is where the init side narrates for --explain (its fd 5) instead of
	// Stderr: a monitor's Stderr is the command's pipe into the log, and the narration belongs
	// to the command that asked for it.
	Narration *os.File `json:"-"`
	// Reserved, if set, is handed copies of the sockets that reserve the container's published
	// ports (-p) on the host, once they are bound: a monitor that execs its shim keeps them open
	// through the exec, so that the ports stay reserved while the container runs. It must
	// close them.
	Reserved func(sockets []*os.File) `json:"-"`
	//mini:end 07
}

// DefaultEnv is the environment a command gets when none is given: the same PATH Docker uses,
// so that commands are found in the usual places of the container's filesystem.
var DefaultEnv = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/root",
}

// initConfig is what the host side sends to the init side through the config pipe: the
// request, and what the host side set up for it.
type initConfig struct {
	Config
	ID      string
	Explain bool // narrate the init side's steps on fd 5
	Color   bool
	//mini:begin 04
	Overlay overlay.Dirs // the overlay's directories, made by the host side, mounted by the init side
	//mini:end 04
	//mini:begin 05
	NetworkFiles []network.File // the /etc files the host side wrote, bind-mounted by the init side
	//mini:end 05
}

// The file descriptors the init process finds open, in the order of exec.Cmd.ExtraFiles
// (which start at 3, after stdin, stdout and stderr).
const (
	configFd  = 3 // parent → child: the initConfig as JSON, then goWord when the command may run
	errorFd   = 4 // child → parent: an initError as JSON; closed by a successful exec
	explainFd = 5 // child → the parent's stderr: the init side's narration
)

// goWord, the JSON string "go" after the config on fd 3, lets the init side run the command.
const goWord = "go"

// initError is how the init side tells the host side why it could not start the command.
type initError struct {
	Status  int    // the exit status: 125, 126 or 127
	Message string // one line, for the user
}

// keep says whether the run directory outlives the run. A run of `mini run` leaves nothing
// behind; from chapter 07 on, a container record keeps its directory from one start to the next.
func (cfg Config) keep() bool {
	//mini:begin 07
	if cfg.ID != "" || cfg.Keep {
		return true
	}
	//mini:end 07
	return false
}
