package bench

import (
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/pprof"
	"strconv"
	"strings"
)

// startProfile starts the CPU profile of query name's run at parallelism
// par, if one was asked for, and returns the function that ends it and
// writes the heap profile. The function may be called more than once;
// only the first call does anything.
func startProfile(o Options, name string, par int) (func() error, error) {
	var cpu *os.File
	if o.CPUProfile != "" {
		f, err := os.Create(profileFile(o, o.CPUProfile, name, par))
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		cpu = f
	}
	done := false
	return func() error {
		if done {
			return nil
		}
		done = true
		var errs []error
		if cpu != nil {
			pprof.StopCPUProfile()
			errs = append(errs, cpu.Close())
		}
		if o.MemProfile != "" {
			errs = append(errs, writeHeap(profileFile(o, o.MemProfile, name, par)))
		}
		for _, err := range errs {
			if err != nil {
				return fmt.Errorf("writing the profile: %w", err)
			}
		}
		return nil
	}, nil
}

// writeHeap writes a heap profile, after a collection so that it shows
// what is live at the query's end (its allocations since the process
// began are in the same file: go tool pprof -sample_index=alloc_space).
func writeHeap(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	goruntime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// profileFile is the profile file of query name's run at parallelism par:
// path itself for a single run, or path with the query's name (and, with
// several parallelisms, the run's: q4.p2) before its extension.
func profileFile(o Options, path, name string, par int) string {
	if len(o.Queries) <= 1 && len(o.Parallelism) <= 1 {
		return path
	}
	if len(o.Parallelism) > 1 {
		name += ".p" + strconv.Itoa(par)
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "." + name + ext
}
