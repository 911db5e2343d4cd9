//mini:chapter 06

package layer

import (
	"fmt"
	"io/fs"
	"path/filepath"
)

// Size is what an unpacked layer holds: its number of entries and the bytes of its regular
// files. The store records it when a layer is unpacked and compares it later: a layer directory
// someone changed by hand no longer measures the same.
type Size struct {
	Entries int   `json:"entries"`
	Bytes   int64 `json:"bytes"`
}

// Measure walks an unpacked layer.
func Measure(dir string) (Size, error) {
	var s Size
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		s.Entries++
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			s.Bytes += info.Size()
		}
		return nil
	})
	if err != nil {
		return Size{}, fmt.Errorf("measure the layer %s: %w", dir, err)
	}
	return s, nil
}
