package app

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHoistFlags(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"lessons"}, []string{"lessons"}},
		{[]string{"lessons", "--repo", "r", "solution", "00", "--peek"}, []string{"lessons", "--repo", "r", "solution", "--peek", "00"}},
		{[]string{"lessons", "--no-color", "hint", "00.1", "--all"}, []string{"lessons", "--no-color", "hint", "--all", "00.1"}},
		{[]string{"lessons", "hint", "00.1", "--generate-bash-completion"}, []string{"lessons", "hint", "00.1", "--generate-bash-completion"}},
		{[]string{"lessons", "reset", "--", "-y"}, []string{"lessons", "reset", "--", "-y"}},
		{[]string{"lessons", "show", "07", "--lang", "zh"}, []string{"lessons", "show", "--lang", "zh", "07"}},
		{[]string{"lessons", "show", "07", "--lang=zh"}, []string{"lessons", "show", "--lang=zh", "07"}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, hoistFlags(tt.in)); d != "" {
			t.Errorf("hoistFlags(%q) (-want +got):\n%s", tt.in, d)
		}
	}
}
