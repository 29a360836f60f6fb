package operator

import (
	"bytes"
	"fmt"

	"riffle/exec/state"
	"riffle/sql/types"
)

// procProbe joins a probe row at processing time with the version current
// now. Over a probe side that retracts (j.memo), the result is remembered
// per probe row and version (table 1: probe row, version → multiplicity),
// and a retraction of the probe row takes back a result it had, whatever
// the versioned table holds now: joining the retraction with the current
// version would retract a row that was never emitted (RisingWave keeps
// such a memo table for its non-append-only temporal joins; the external
// case rw/temporal_join__non_append_only__temporal_join checks it).
func (j *TemporalJoin) procProbe(c types.Change) error {
	m := int64(c.Diff)
	if !j.memo {
		return j.join(c.Row, m, c.Wm, -1)
	}
	if m < 0 {
		left, err := j.forget(c.Row, -m, c.Wm)
		if err != nil || left == 0 {
			return err
		}
		// More retractions than remembered results: only a probe row
		// inserted before the memo existed; join it as it would be now.
		m = -left
	}
	version, err := j.match(c.Row, -1)
	if err != nil {
		return err
	}
	j.emit(c.Row, version, m, c.Wm)
	if m < 0 {
		return nil
	}
	if _, _, err := j.held.add(j.memoKey(c.Row, version), version, m); err != nil {
		return fmt.Errorf("temporal join: %w", err)
	}
	return nil
}

// memoKey is the memo entry's key: the probe row, then whether it had a
// version (a padded row and a version of NULLs differ), then the version.
func (j *TemporalJoin) memoKey(row, version types.Row) []byte {
	j.key = state.AppendTupleKey(j.key[:0], row)
	if version == nil {
		return append(j.key, 0)
	}
	return state.AppendTupleKey(append(j.key, 1), version)
}

// forget retracts up to m remembered results of probe row row, emitting
// their retractions, and returns how many of the m it did not find.
func (j *TemporalJoin) forget(row types.Row, m, wm int64) (int64, error) {
	prefix := state.AppendTupleKey(nil, row)
	it, err := j.waiting.Scan(prefix)
	if err != nil {
		return 0, err
	}
	type entry struct {
		key     []byte
		version types.Row
		n       int64
	}
	var found []entry
	for ok := it.First(); ok; ok = it.Next() {
		version, n, err := DecodeEntry(it.Value())
		if err != nil {
			it.Close()
			return 0, fmt.Errorf("temporal join: %w", err)
		}
		if it.Key()[len(prefix)] == 0 {
			version = nil
		}
		found = append(found, entry{bytes.Clone(it.Key()), version, n})
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	for _, e := range found {
		if m == 0 {
			break
		}
		k := min(m, e.n)
		m -= k
		j.emit(row, e.version, -k, wm)
		if _, _, err := j.held.add(e.key, e.version, -k); err != nil {
			return 0, fmt.Errorf("temporal join: %w", err)
		}
	}
	return m, nil
}
