//mini:chapter 06

package registry

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestCh06Step2TokenExpires: a token that expires in the middle of a pull is replaced once; a
// registry that refuses every token is an error, not a loop.
func TestCh06Step2TokenExpires(t *testing.T) {
	for _, tt := range []struct {
		name       string
		refuse     func(token string) bool // refuse this token for a blob
		wantTokens int
		wantErr    string
	}{
		{"expires once", func(tok string) bool { return tok == "token-1" }, 2, ""},
		{"always refused", func(string) bool { return true }, 2, "refused access to app"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t)
			var mu sync.Mutex
			issued := 0
			f.override = func(w http.ResponseWriter, r *http.Request) bool {
				mu.Lock()
				defer mu.Unlock()
				token, hasToken := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
				switch {
				case r.URL.Path == "/token":
					issued++
					fmt.Fprintf(w, `{"token": "token-%d"}`, issued)
					return true
				case !hasToken || (strings.Contains(r.URL.Path, "/blobs/") && tt.refuse(token)):
					w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="fake"`, f.host))
					w.WriteHeader(http.StatusUnauthorized)
					return true
				}
				return false
			}
			err := f.pull(t, newDirStore(t), "app:1")
			if tt.wantErr == "" && err != nil {
				t.Fatalf("pull: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("pull: %v; want an error saying %q", err, tt.wantErr)
			}
			if issued != tt.wantTokens {
				t.Errorf("the token server issued %d tokens, want %d", issued, tt.wantTokens)
			}
		})
	}
}
