package state

import (
	"os"
	"strings"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/sstable"
)

// EXPERIMENT ONLY, not to be committed.
func expOptions(o *pebble.Options) {
	e := os.Getenv("RIFFLE_PEBBLE_EXP")
	if strings.Contains(e, "mem64") {
		o.MemTableSize = 64 << 20
	}
	if strings.Contains(e, "mem32") {
		o.MemTableSize = 32 << 20
	}
	if strings.Contains(e, "nocomp") {
		for i := range o.Levels {
			o.Levels[i].Compression = func() *sstable.CompressionProfile { return sstable.NoCompression }
		}
	}
	if strings.Contains(e, "big") {
		o.LBaseMaxBytes = 256 << 20
		o.TargetFileSizes[0] = 16 << 20
		o.L0CompactionThreshold = 8
		o.L0StopWritesThreshold = 24
	}
}
