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
	if code != 0 || !regexp.MustCompile(`\nverify: 19 passed, 0 failed\n$`).MatchString(out) {
		t.Errorf("exit %d; want 0 and 19 passed:\n%s", code, out)
	}
}

func TestVerifyNoTests(t *testing.T) {
	repo := generated(t)
	out, code := verify(t, "--repo", repo, "--no-tests", "--chapter", "01")
	if code != 0 || !strings.HasSuffix(out, "\nverify: 5 passed, 0 failed\n") || strings.Contains(out, "go test") {
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
