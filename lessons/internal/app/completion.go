package app

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/lessons/internal/course"
)

// completion prints a completion script for an installed `lessons` binary:
//
//	go build -o ~/bin/lessons ./lessons
//	source <(lessons completion bash)     # or zsh
//
// The shell asks the binary itself (urfave/cli's --generate-bash-completion) for the words.
func completion(opts Options) cli.ActionFunc {
	return func(c *cli.Context) error {
		switch c.Args().First() {
		case "bash":
			_, err := io.WriteString(opts.Stdout, bashScript)
			return err
		case "zsh":
			_, err := io.WriteString(opts.Stdout, zshScript)
			return err
		}
		return fmt.Errorf("completion needs a shell: usage: lessons completion bash|zsh")
	}
}

// completeCommands offers the command names. (urfave/cli's default reads os.Args, which a test or
// any other caller of Run does not control.)
func completeCommands(c *cli.Context) {
	for _, cmd := range c.App.Commands {
		if !cmd.Hidden {
			fmt.Fprintln(c.App.Writer, cmd.Name)
		}
	}
}

// complete offers the chapters (and with steps, every step) as a command's argument.
func complete(opts Options, steps bool) cli.BashCompleteFunc {
	return func(c *cli.Context) {
		if c.NArg() > 0 {
			return
		}
		dir := opts.Dir
		if dir == "" {
			dir, _ = os.Getwd()
		}
		var co *course.Course
		var err error
		if repo := c.String("repo"); repo != "" {
			co, err = course.Open(repo)
		} else {
			co, err = course.Find(dir)
		}
		if err != nil {
			return
		}
		chapters, err := co.Chapters()
		if err != nil {
			return
		}
		for _, ch := range chapters {
			fmt.Fprintln(opts.Stdout, ch.Num)
			if steps {
				for _, st := range ch.Steps {
					fmt.Fprintln(opts.Stdout, st.ID)
				}
			}
		}
	}
}

const bashScript = `# bash completion for lessons. Load it with: source <(lessons completion bash)
_lessons_complete() {
  local cur words
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  words=("${COMP_WORDS[@]:0:$COMP_CWORD}")
  local opts
  if [[ "$cur" == -* ]]; then
    opts=$("${words[@]}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${words[@]}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
  return 0
}
complete -o bashdefault -o default -F _lessons_complete lessons
`

const zshScript = `#compdef lessons
# zsh completion for lessons. Load it with: source <(lessons completion zsh)
_lessons() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
if (( $+functions[compdef] )); then
  compdef _lessons lessons
fi
`
