//mini:chapter 07

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/container"
	"github.com/minikit/kit/mini/engine"
)

// psRow is one row of `mini ps`, and what --format templates see: Docker's columns and names.
type psRow struct {
	ID, Image, Command, CreatedAt, RunningFor, Status, State, Ports, Names string
}

var psHeader = psRow{ID: "CONTAINER ID", Image: "IMAGE", Command: "COMMAND", CreatedAt: "CREATED AT",
	RunningFor: "CREATED", Status: "STATUS", State: "STATE", Ports: "PORTS", Names: "NAMES"}

func psCommand() *cli.Command {
	return &cli.Command{
		Name: "ps", Usage: "list containers (running ones; -a for all)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show stopped containers too"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only the IDs"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "do not shorten IDs and commands"},
			&cli.StringFlag{Name: "format", Usage: "a Go template per container, e.g. '{{.Names}} {{.Status}}'; 'table ...' adds a header"},
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "status=created|running|exited, name=NAME, id=PREFIX"},
		},
		Action: ps,
	}
}

func ps(c *cli.Context) error {
	_, cs, err := allContainers(c)
	if err != nil {
		return err
	}
	filters := map[string][]string{}
	for _, f := range c.StringSlice("filter") {
		k, v, ok := strings.Cut(f, "=")
		if !ok || (k != "status" && k != "name" && k != "id") {
			return fmt.Errorf("invalid --filter %q: use status=created|running|exited, name=NAME or id=PREFIX", f)
		}
		filters[k] = append(filters[k], v)
	}
	var rows []psRow
	for _, ctr := range cs {
		if !c.Bool("all") && !ctr.Running() && len(filters["status"]) == 0 {
			continue
		}
		if !keep(filters["status"], func(v string) bool { return ctr.State.Status == v }) ||
			!keep(filters["name"], func(v string) bool { return strings.Contains(ctr.Name, v) }) ||
			!keep(filters["id"], func(v string) bool { return strings.HasPrefix(ctr.ID, v) }) {
			continue
		}
		rows = append(rows, psRowOf(ctr, c.Bool("no-trunc")))
	}
	format := "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
	switch {
	case c.Bool("quiet"):
		format = "{{.ID}}"
	case c.String("format") != "":
		format = c.String("format")
	}
	return printRows(os.Stdout, format, psHeader, rows)
}

func keep(values []string, match func(string) bool) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		if match(v) {
			return true
		}
	}
	return false
}

func psRowOf(ctr *engine.Container, noTrunc bool) psRow {
	id, command := engine.ShortID(ctr.ID), quoteArgs(ctr.Config.Args)
	if noTrunc {
		id = ctr.ID
	} else if len(command) > 20 {
		command = command[:19] + "…"
	}
	return psRow{ID: id, Image: ctr.Image, Command: strconv.Quote(command),
		CreatedAt:  ctr.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		RunningFor: humanDuration(time.Since(ctr.Created)) + " ago", Status: status(ctr),
		State: ctr.State.Status, Ports: strings.Join(ctr.Ports, ", "), Names: ctr.Name}
}

// status is the STATUS column as Docker writes it: "Up 5 minutes", "Exited (0) 2 hours ago".
func status(ctr *engine.Container) string {
	switch ctr.State.Status {
	case engine.Running:
		return "Up " + humanDuration(time.Since(ctr.State.StartedAt))
	case engine.Exited:
		if ctr.State.FinishedAt.IsZero() {
			// Its monitor was killed (or the host rebooted): nobody saw when the command ended.
			return fmt.Sprintf("Exited (%d)", ctr.State.ExitCode)
		}
		return fmt.Sprintf("Exited (%d) %s ago", ctr.State.ExitCode, humanDuration(time.Since(ctr.State.FinishedAt)))
	case engine.Dead:
		return "Dead"
	}
	return "Created"
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = a
		if strings.ContainsAny(a, " \t\"'") {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'" // as a shell would take it back
		}
	}
	return strings.Join(q, " ")
}

// inspectView is what `mini inspect` prints, with Docker's names for what Docker has too.
type inspectView struct {
	ID      string `json:"Id"`
	Name    string
	Created time.Time
	Path    string
	Args    []string
	State   engine.State
	Image   string
	ImageID string
	Config  any
	Restart engine.RestartPolicy `json:"RestartPolicy"`
	Dir     string               `json:"StateDir"`
}

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name: "inspect", Usage: "print containers' records and state as JSON", ArgsUsage: "CONTAINER...",
		Flags: []cli.Flag{&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "a Go template, e.g. '{{.State.Status}}'"}},
		Action: func(c *cli.Context) error {
			_, cs, err := lookup(c, 1)
			if err != nil {
				return err
			}
			var views []inspectView
			for _, ctr := range cs {
				v := inspectView{ID: ctr.ID, Name: ctr.Name, Created: ctr.Created, State: ctr.State,
					Image: ctr.Image, ImageID: ctr.ImageID, Config: ctr.Config, Restart: ctr.Restart, Dir: ctr.Dir()}
				if len(ctr.Config.Args) > 0 {
					v.Path, v.Args = ctr.Config.Args[0], ctr.Config.Args[1:]
				}
				views = append(views, v)
			}
			if f := c.String("format"); f != "" {
				tmpl, err := template.New("format").Funcs(templateFuncs).Parse(f + "\n")
				if err != nil {
					return fmt.Errorf("--format: %w", err)
				}
				for _, v := range views {
					if err := tmpl.Execute(os.Stdout, v); err != nil {
						return fmt.Errorf("--format: %w", err)
					}
				}
				return nil
			}
			return printJSON(views)
		},
	}
}

func containerCommand() *cli.Command {
	return &cli.Command{
		Name: "container", Usage: "manage containers",
		Subcommands: []*cli.Command{
			{
				Name: "prune", Usage: "remove every stopped container",
				Action: func(c *cli.Context) error { return removeContainers(c, false) },
			},
			psCommand(), inspectCommand(), createCommand(), startCommand(), stopCommand(), killCommand(),
			rmCommand(), logsCommand(), waitCommand(), renameCommand(), restartCommand(),
		},
	}
}

func topCommand() *cli.Command {
	return &cli.Command{
		Name: "top", Usage: "list a running container's processes (read from its cgroup)", ArgsUsage: "CONTAINER",
		Action: func(c *cli.Context) error {
			_, cs, err := lookup(c, 1)
			if err != nil {
				return err
			}
			ps, err := cs[0].Processes()
			if err != nil {
				return &container.StatusError{Status: 1, Err: err}
			}
			type row struct{ UID, PID, PPID, TIME, CMD string }
			var rows []row
			for _, p := range ps {
				t := p.Time.Round(time.Second)
				rows = append(rows, row{strconv.Itoa(p.UID), strconv.Itoa(p.PID), strconv.Itoa(p.PPID),
					fmt.Sprintf("%02d:%02d:%02d", int(t.Hours()), int(t.Minutes())%60, int(t.Seconds())%60), p.Command})
			}
			return printRows(os.Stdout, "table {{.UID}}\t{{.PID}}\t{{.PPID}}\t{{.TIME}}\t{{.CMD}}", row{"UID", "PID", "PPID", "TIME", "CMD"}, rows)
		},
	}
}

func statsCommand() *cli.Command {
	return &cli.Command{
		Name: "stats", Usage: "print running containers' CPU, memory and process counts once (from their cgroups)", ArgsUsage: "[CONTAINER...]",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "no-stream", Value: true, Usage: "print once (the only mode)"}},
		Action: func(c *cli.Context) error {
			e, err := engine.Open(c.String("root"))
			if err != nil {
				return err
			}
			var cs []*engine.Container
			if c.NArg() == 0 {
				all, err := e.List()
				if err != nil {
					return err
				}
				for _, ctr := range all {
					if ctr.Running() {
						cs = append(cs, ctr)
					}
				}
			} else if _, cs, err = lookup(c, 1); err != nil {
				return err
			}
			type row struct{ ID, Name, CPU, Mem, MemPerc, PIDs string }
			var rows []row
			for _, ctr := range cs {
				s, err := ctr.Stats(500 * time.Millisecond)
				if err != nil {
					return &container.StatusError{Status: 1, Err: err}
				}
				limit, perc := "no limit", "--"
				if s.MemoryLimit > 0 {
					limit = humanSize(s.MemoryLimit)
					perc = fmt.Sprintf("%.2f%%", 100*float64(s.Memory)/float64(s.MemoryLimit))
				}
				rows = append(rows, row{engine.ShortID(ctr.ID), ctr.Name, fmt.Sprintf("%.2f%%", s.CPUPercent),
					humanSize(s.Memory) + " / " + limit, perc, strconv.Itoa(s.Pids)})
			}
			return printRows(os.Stdout, "table {{.ID}}\t{{.Name}}\t{{.CPU}}\t{{.Mem}}\t{{.MemPerc}}\t{{.PIDs}}",
				row{"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS"}, rows)
		},
	}
}
