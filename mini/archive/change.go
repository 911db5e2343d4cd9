//mini:chapter 07

package archive

import v1 "github.com/opencontainers/image-spec/specs-go/v1"

// ApplyChange applies one --change instruction (CMD, ENTRYPOINT, ENV, WORKDIR, USER, in a
// Dockerfile's JSON or shell form) to cfg: import's reading, shared with mini commit.
func ApplyChange(cfg *v1.ImageConfig, change string) error { return applyChange(cfg, change) }
