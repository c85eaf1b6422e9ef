package main

import (
	"bufio"
	"bytes"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// tuneGC sets a soft memory limit for a long-running server unless the
// standard GOMEMLIMIT variable says otherwise: 3/4 of the memory the
// process may use, near which the collector runs as often as it must. It
// leaves GOGC at Go's default of 100: the store's read model is a few
// large slices without pointers, which a collection does not scan, so
// collecting is cheap (at 1M quads about 25 collections of a few
// milliseconds each over 6000 uncached 2-hop queries), while a higher
// GOGC only lets the heap grow further above the live data: with 400, as
// was set while the read model was made of small pointer-rich objects,
// the server held 517 MB under that load against 230 MB with 100. It logs
// what it set.
func tuneGC(lg *slog.Logger, c *config) {
	if c.GOMEMLIMIT != "" {
		return
	}
	if total := memoryAvailable(); total > 0 {
		limit := total / 4 * 3
		debug.SetMemoryLimit(limit)
		lg.Info("garbage collector tuned for a server (GOMEMLIMIT overrides)", "memory_limit_mb", limit>>20)
	}
}

// memoryAvailable returns the memory this process may use: its cgroup's
// limit when it has one, else the machine's, or 0 when neither is known.
func memoryAvailable() int64 {
	var limit int64
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil { // cgroup v2
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 {
			limit = n
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 3 && f[0] == "MemTotal:" && f[2] == "kB" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil && kb > 0 && (limit == 0 || kb<<10 < limit) {
					limit = kb << 10
				}
			}
		}
	}
	return limit
}
