package app

import (
	"strings"

	"github.com/urfave/cli/v2"
)

func newApp(opts Options) *cli.App {
	return &cli.App{
		Name:                 "lessons",
		Usage:                "learn how containers work by writing Mini, one chapter at a time",
		Description:          "Start with `list`, read a chapter with `show NN`, write its steps in exercises/NN-slug, and run `check` (or `watch`) until it passes.",
		Reader:               opts.Stdin,
		Writer:               opts.Stdout,
		ErrWriter:            opts.Stderr,
		EnableBashCompletion: true,
		BashComplete:         completeCommands,
		HideVersion:          true,
		// Errors are printed, and exit codes chosen, by Run: never os.Exit inside the app.
		ExitErrHandler: func(*cli.Context, error) {},
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "no-color", Usage: "plain text, no colour (also: NO_COLOR=1, or output that is not a terminal)"},
			&cli.StringFlag{Name: "repo", Usage: "the kit's repository `DIR` (default: found from the current directory)"},
		},
		Commands: []*cli.Command{
			{
				Name: "list", Usage: "show every chapter and step, and how far you are",
				Action: action(opts, list),
			},
			{
				Name: "show", Usage: "read chapter NN's lesson", ArgsUsage: "NN",
				Flags: []cli.Flag{&cli.StringFlag{Name: "lang", Value: "en",
					Usage: "the lesson's language: en, or zh (Chinese, lessons/NN-slug/README.zh-CN.md; English where no translation exists)"}},
				Action: action(opts, show), BashComplete: complete(opts, false),
			},
			{
				Name: "check", Usage: "build your exercise and run chapter NN's tests, or only step NN.S's (default: the first chapter not done)", ArgsUsage: "[NN|NN.S]",
				Flags:  []cli.Flag{&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "name every test as it ends"}},
				Action: action(opts, checkCmd), BashComplete: complete(opts, false),
			},
			{
				Name: "hint", Usage: "show the next hint for step NN.S", ArgsUsage: "NN.S",
				Flags:  []cli.Flag{&cli.BoolFlag{Name: "all", Usage: "show every hint of the step at once"}},
				Action: action(opts, hintCmd), BashComplete: complete(opts, true),
			},
			{
				Name: "solution", Usage: "compare your exercise with chapter NN's solution (after it passes)", ArgsUsage: "NN",
				Flags:  []cli.Flag{&cli.BoolFlag{Name: "peek", Usage: "show it before the chapter passes"}},
				Action: action(opts, solution), BashComplete: complete(opts, false),
			},
			{
				Name: "reset", Usage: "restore the stubs of chapter NN, or the file of step NN.S", ArgsUsage: "NN|NN.S",
				Flags:  []cli.Flag{&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"}},
				Action: action(opts, reset), BashComplete: complete(opts, true),
			},
			{
				Name: "watch", Usage: "check again every time you save a .go file (Ctrl-C to stop)", ArgsUsage: "[NN]",
				Flags:  []cli.Flag{&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "name every test as it ends"}},
				Action: action(opts, watchCmd), BashComplete: complete(opts, false),
			},
			{
				Name: "doctor", Usage: "is this machine ready for the engine (runs `mini doctor`)",
				Action: action(opts, doctor),
			},
			{
				Name: "excerpts", Usage: "check that the code quoted in the lessons matches the chapters",
				Action: action(opts, excerpts),
			},
			{
				Name: "completion", Usage: "print a shell completion script", ArgsUsage: "bash|zsh",
				Action: completion(opts),
				BashComplete: func(c *cli.Context) {
					c.App.Writer.Write([]byte("bash\nzsh\n"))
				},
			},
		},
	}
}

// hoistFlags moves a command's flags in front of its arguments, so `solution 02 --peek` works as
// well as `solution --peek 02` (urfave/cli stops reading flags at the first argument). Global flags
// before the command stay where they are; everything after "--" is left alone, and so is the
// completion flag, which must stay last.
func hoistFlags(args []string) []string {
	// The commands' flags that take a value: the value moves with its flag (`show 07 --lang zh`).
	valueFlags := map[string]bool{"--lang": true}
	out := append([]string{}, args[:1]...)
	i := 1
	for ; i < len(args) && strings.HasPrefix(args[i], "-"); i++ {
		out = append(out, args[i])
		if args[i] == "--repo" && i+1 < len(args) {
			i++
			out = append(out, args[i])
		}
	}
	if i == len(args) {
		return out
	}
	out = append(out, args[i]) // the command
	var flags, rest []string
	for j := i + 1; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "--":
			rest = append(rest, args[j:]...)
			j = len(args)
		case a == "--generate-bash-completion" || a == "-" || !strings.HasPrefix(a, "-"):
			rest = append(rest, a)
		case valueFlags[a] && j+1 < len(args):
			flags = append(flags, a, args[j+1]) // the flag's value goes with it
			j++
		default:
			flags = append(flags, a)
		}
	}
	return append(append(out, flags...), rest...)
}
