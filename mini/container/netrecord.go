//mini:chapter 07

package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/network"
	"github.com/minikit/kit/mini/state"
)

// NetworkRecordFile, in a run directory, is the container's network attachment as data: what
// Detach must undo, for a process other than the one that attached (chapter 07's `mini rm`
// after a monitor was killed). An undo closure cannot be written to disk; a record can.
const NetworkRecordFile = "network.json"

func saveNetworkRecord(dir *state.RunDir, att *network.Attachment) error {
	data, err := json.Marshal(att.Record())
	if err != nil {
		return err
	}
	if err := state.WriteFileAtomic(dir.Path(NetworkRecordFile), data, 0o600); err != nil {
		return fmt.Errorf("record the container's network: %w", err)
	}
	return nil
}

func removeNetworkRecord(dir *state.RunDir) error {
	if err := os.Remove(dir.Path(NetworkRecordFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// ForgetNetwork undoes, from its record, the network of a run whose own teardown never ran
// (its process was killed): the rules, the port reservations, the address, the veth if the
// kernel has not freed it. Without a record there is nothing to undo.
func ForgetNetwork(dir *state.RunDir, stateRoot string, n *explain.Narrator) error {
	data, err := os.ReadFile(dir.Path(NetworkRecordFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var rec network.Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return fmt.Errorf("read the container's network record: %w", err)
	}
	if err := network.Restore(rec, stateRoot, n).Detach(true); err != nil {
		return err
	}
	return removeNetworkRecord(dir)
}
