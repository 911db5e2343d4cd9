package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/minikit/kit/scripts/gen/kit"
)

// The generator's fixture repository: chapters 00 to 02 with a step or two each, whose tests
// need no root.
const fixture = "../gen/testdata/repo"

func TestVerifyFixturePasses(t *testing.T) {
	repo := generated(t)
	out, code := verify(t, "--repo", repo)
	if code != 0 || !regexp.MustCompile(`\nverify: 20 passed, 0 failed\n$`).MatchString(out) {
		t.Errorf("exit %d; want 0 and 20 passed:\n%s", code, out)
	}
}

func TestVerifyNoTests(t *testing.T) {
	repo := generated(t)
	out, code := verify(t, "--repo", repo, "--no-tests", "--chapter", "01")
	if code != 0 || !strings.HasSuffix(out, "\nverify: 6 passed, 0 failed\n") || strings.Contains(out, "go test") {
		t.Errorf("exit %d; want freshness, build and vet only:\n%s", code, out)
	}
}

// TestVerifyFindsDefects: stale trees stop the verification; a step test that passes on the stub
// is reported.
func TestVerifyFindsDefects(t *testing.T) {
	repo := generated(t)
	weak := "//mini:chapter 02\n\npackage greet\n\nimport \"testing\"\n\nfunc TestCh02Step1Weak(t *testing.T) {}\n"
	if err := os.WriteFile(filepath.Join(repo, "mini", "greet", "weak_test.go"), []byte(weak), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := verify(t, "--repo", repo)
	if code != 1 || !strings.Contains(out, "missing chapters/02-namespaces/greet/weak_test.go") ||
		!strings.HasSuffix(out, "\nverify: 0 passed, 1 failed\n") {
		t.Errorf("stale trees: exit %d; want 1 listing the missing file:\n%s", code, out)
	}

	regenerate(t, repo)
	out, code = verify(t, "--repo", repo, "--chapter", "02")
	want := "FAIL step 02.1 (TestCh02Step1Shout, TestCh02Step1Weak): TestCh02Step1Weak passes on the stub: it does not test this step"
	if code != 1 || !strings.Contains(out, want) || !strings.HasSuffix(out, " 1 failed\n") {
		t.Errorf("exit %d; want 1 and %q:\n%s", code, want, out)
	}
}

func verify(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return stdout.String() + stderr.String(), code
}

// generated copies the fixture repository and generates its trees.
func generated(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	err := filepath.WalkDir(fixture, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(fixture, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(repo, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(repo, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	regenerate(t, repo)
	return repo
}

func regenerate(t *testing.T, repo string) {
	t.Helper()
	out, err := kit.Generate(repo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.Write(repo); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyLessonsTeach: a lesson that prints a step's solution, an early hint that does, a last
// hint with the whole answer and a last hint whose code fails the step's tests are all reported,
// naming the file, the line and the step; a correct code hint passes.
func TestVerifyLessonsTeach(t *testing.T) {
	repo := generated(t)
	write := func(rel, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(repo, filepath.Dir(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, rel), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lessons/02-namespaces/README.md", "# Shout\n\nWrite it like this:\n\n```go\n\treturn str.ToUpper(name) + \"!\", nil\n```\n")
	write("lessons/02-namespaces/hints.md", "# Hints\n\n## 02.1 Shout\n\n### Hint 1\n\nUse `return str.ToUpper(name) + \"!\", nil`.\n\n### Hint 2\n\n```go\nreturn str.ToLower(name) + \"!\", nil\n```\n")
	write("lessons/01-chroot/README.md", "# Count\n\nNothing given away; 00.1's line is fine here:\n\n\treturn fmt.Sprintf(\"HELLO %s\", strings.ToUpper(name)), nil\n")
	write("lessons/01-chroot/hints.md", "# Hints\n\n## 01.1 Count\n\n### Hint 1\n\nA loop.\n\n### Hint 2\n\n```go\nvar parts []string\nfor i := 1; i <= n; i++ {\n\th, err := Hello(name)\n\tif err != nil {\n\t\treturn \"\", err\n\t}\n\tparts = append(parts, strconv.Itoa(i)+\". \"+h)\n}\nreturn strings.Join(parts, \"\\n\"), nil\n```\n")
	out, code := verify(t, "--repo", repo)
	for _, want := range []string{
		`FAIL lessons/02-namespaces/README.md:6: step 02.1: shows a line of the step's solution before it passes: "return str.ToUpper(name) + \"!\", nil"`,
		`FAIL lessons/02-namespaces/hints.md:7: step 02.1: shows a line of the step's solution before it passes`,
		"FAIL the last hint of step 02.1, applied to the chapter, fails TestCh02Step1Shout",
		"PASS the last hint of step 01.1 passes TestCh01Step1Count",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not contain %q", want)
		}
	}
	if code != 1 || strings.Contains(out, "lessons/01-chroot/README.md") {
		t.Errorf("exit %d; want 1 and nothing about lesson 01:\n%s", code, out)
	}

	// The whole answer in the last hint.
	write("lessons/02-namespaces/hints.md", "# Hints\n\n## 02.1 Shout\n\n### Hint 1\n\nstrings.ToUpper\n\n### Hint 2\n\n```go\nreturn str.ToUpper(name) + \"!\", nil\n```\n")
	out, _ = verify(t, "--repo", repo, "--no-tests", "--chapter", "02")
	want := "FAIL lessons/02-namespaces/hints.md:9: step 02.1: the last hint (Hint 2) shows every line of the solution"
	if !strings.Contains(out, want) {
		t.Errorf("the output does not contain %q:\n%s", want, out)
	}
}

// TestVerifyRun: --run limits the chapter tests, and the run says it does not count.
func TestVerifyRun(t *testing.T) {
	repo := generated(t)
	out, code := verify(t, "--repo", repo, "--chapter", "01", "--run", "^TestCh01Step1")
	if code != 0 || !strings.Contains(out, `limited to -run "^TestCh01Step1": this run does not count`) || strings.Contains(out, "TestCh01Step2Over passes") {
		t.Errorf("exit %d; want 0 and the note:\n%s", code, out)
	}
}
