package gosrc

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const todoPath = "github.com/minikit/kit/mini/todo"

func TestGenFixImports(t *testing.T) {
	tests := []struct {
		name          string
		chapter, stub string
		known         map[string]string
		want          string
	}{
		{
			name:    "removes what only the solution used and adds todo in a group of its own",
			chapter: "package a\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc F() error { fmt.Println(); return os.Remove(\"x\") }\n",
			stub:    "package a\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc F() error { fmt.Println(); return todo.Step(\"01.1\") }\n",
			want:    "package a\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/minikit/kit/mini/todo\"\n)\n\nfunc F() error { fmt.Println(); return todo.Step(\"01.1\") }\n",
		},
		{
			name:    "joins the last group when it is not the standard library",
			chapter: "package a\n\nimport (\n\t\"os\"\n\n\t\"github.com/minikit/kit/mini/explain\"\n)\n\nvar _ = explain.X\n\nfunc F() error { return os.Remove(\"x\") }\n",
			stub:    "package a\n\nimport (\n\t\"os\"\n\n\t\"github.com/minikit/kit/mini/explain\"\n)\n\nvar _ = explain.X\n\nfunc F() error { return todo.Step(\"01.1\") }\n",
			want:    "package a\n\nimport (\n\t\"github.com/minikit/kit/mini/explain\"\n\t\"github.com/minikit/kit/mini/todo\"\n)\n\nvar _ = explain.X\n\nfunc F() error { return todo.Step(\"01.1\") }\n",
		},
		{
			name:    "removes an emptied single import and an aliased one",
			chapter: "package a\n\nimport \"strconv\"\nimport u \"unicode\"\n\nvar _ = strconv.Itoa(1)\nvar _ = u.IsUpper('A')\n",
			stub:    "package a\n\nimport \"strconv\"\nimport u \"unicode\"\n\nvar _ = todo.Step(\"00.1\")\n",
			want:    "package a\n\nimport \"github.com/minikit/kit/mini/todo\"\n\nvar _ = todo.Step(\"00.1\")\n",
		},
		{
			name:    "guesses names from versioned paths and uses known ones",
			chapter: "package a\n\nimport (\n\t\"github.com/urfave/cli/v2\"\n\t\"github.com/minikit/kit/mini/x\"\n\t\"github.com/minikit/kit/mini/todo\"\n)\n\nvar _ = cli.App{}\nvar _ = other.Y\nvar _ = todo.Step\n",
			stub:    "package a\n\nimport (\n\t\"github.com/urfave/cli/v2\"\n\t\"github.com/minikit/kit/mini/x\"\n\t\"github.com/minikit/kit/mini/todo\"\n)\n\nvar _ = todo.Step\n",
			known:   map[string]string{"github.com/minikit/kit/mini/x": "other"},
			want:    "package a\n\nimport (\n\t\"github.com/minikit/kit/mini/todo\"\n)\n\nvar _ = todo.Step\n",
		},
		{
			name:    "keeps an import whose name it cannot tell, and blank imports",
			chapter: "package a\n\nimport (\n\t_ \"embed\"\n\t\"example.com/weird-name\"\n)\n\nvar _ = weird.X\n",
			stub:    "package a\n\nimport (\n\t_ \"embed\"\n\t\"example.com/weird-name\"\n)\n",
			want:    "package a\n\nimport (\n\t_ \"embed\"\n\t\"example.com/weird-name\"\n)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FixImports("a.go", []byte(tt.stub), []byte(tt.chapter), Options{
				TodoPath:    todoPath,
				PackageName: func(p string) string { return tt.known[p] },
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("FixImports (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGenImportName(t *testing.T) {
	for path, want := range map[string]string{
		"fmt":                               "fmt",
		"golang.org/x/sys/unix":             "unix",
		"github.com/urfave/cli/v2":          "cli",
		"gopkg.in/yaml.v3":                  "yaml",
		"github.com/mattn/go-isatty":        "isatty",
		"github.com/vishvananda/netlink/nl": "nl",
	} {
		if got := guessName(path); got != want {
			t.Errorf("guessName(%q) = %q, want %q", path, got, want)
		}
	}
}
