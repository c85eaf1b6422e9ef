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

// serveGCPercent is the garbage collector's target for blurline serve
// when GOGC is not set. The server's heap is mostly the store's read
// model, millions of small pointer-rich objects that every collection
// marks again, while a request leaves little garbage. With Go's default of
// 100 a collection starts after each read model's worth of garbage; at 1M
// quads that made collection about half of the server's CPU time. 400
// collects a quarter as often, for a heap that may grow to five times the
// live data between collections instead of twice; the soft memory limit
// tuneGC sets keeps that growth from running the machine out of memory.
const serveGCPercent = 400

// tuneGC sets the collector for a long-running server unless the standard
// GOGC and GOMEMLIMIT variables say otherwise: GOGC=serveGCPercent, and a
// soft memory limit of 3/4 of the memory the process may use, near which
// the collector runs as often as it must instead. It logs what it set.
func tuneGC(lg *slog.Logger, c *config) {
	var attrs []any
	if c.GOGC == "" {
		debug.SetGCPercent(serveGCPercent)
		attrs = append(attrs, "gc_percent", serveGCPercent)
	}
	if c.GOMEMLIMIT == "" {
		if total := memoryAvailable(); total > 0 {
			limit := total / 4 * 3
			debug.SetMemoryLimit(limit)
			attrs = append(attrs, "memory_limit_mb", limit>>20)
		}
	}
	if len(attrs) > 0 {
		lg.Info("garbage collector tuned for a server (GOGC and GOMEMLIMIT override)", attrs...)
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
