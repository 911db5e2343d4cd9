//mini:chapter 06

package image

import "github.com/opencontainers/go-digest"

func digestOf(s string) digest.Digest { return digest.FromString(s) }
