package e2e

import (
	"testing"
)

// BenchmarkCh00Run measures a whole `mini run -- true`: build nothing, start the init process,
// set everything up the chapter has, exec true, tear everything down. `make bench` runs it; the
// number grows chapter by chapter as mechanisms are added.
func BenchmarkCh00Run(b *testing.B) {
	if h.err != nil || h.bin == "" {
		b.Skip("needs root and the test harness: run `sudo make bench`")
	}
	e := &env{root: b.TempDir(), parent: "mini-bench"}
	for i := 0; i < b.N; i++ {
		cmd := e.command(b.Context(), "run", "--", "true")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("mini run -- true: %v\n%s", err, out)
		}
	}
}
