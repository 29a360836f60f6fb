package scenario

import "testing"

func TestRepro(t *testing.T) {
	for i, c := range Configs(binary) {
		if !t.Run(c.Name, func(t *testing.T) { Run(t, "/tmp/sc/repro.test", c, i == 0) }) {
			return
		}
	}
}
