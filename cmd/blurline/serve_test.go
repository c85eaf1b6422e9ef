package main

import (
	"runtime"
	"strings"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"1000", 1000}, {"64MiB", 64 << 20}, {"64 MiB", 64 << 20}, {"2gib", 2 << 30},
		{"512KiB", 512 << 10}, {"10MB", 10 << 20}, {"7B", 7},
	} {
		got, err := parseBytes(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "-1", "MiB", "1.5GiB", "12XB", "99999999999GiB"} {
		if got, err := parseBytes(bad); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", bad, got)
		}
	}
}

func TestMemoryAvailable(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/meminfo")
	}
	if n := memoryAvailable(); n < 64<<20 {
		t.Errorf("memoryAvailable() = %d, want the machine's memory", n)
	}
}

// TestTokenArgumentWarns: a token given as --token (readable by any user
// in the process list) is warned about; one from the environment is not.
// A bad --max-response ends serve before it opens anything.
func TestTokenArgumentWarns(t *testing.T) {
	const warning = "process list"
	_, stderr, err := runCLI(t, nil, "", "serve", "--memory", "--token", "secret-token-123", "--max-response", "nonsense")
	if err == nil {
		t.Fatal("serve with --max-response nonsense succeeded")
	}
	if !strings.Contains(stderr, warning) || strings.Contains(stderr, "secret-token-123") {
		t.Errorf("--token: stderr = %q, want the warning and no token", stderr)
	}
	_, stderr, _ = runCLI(t, map[string]string{"BLURLINE_TOKEN": "secret-token-123"}, "", "serve", "--memory", "--max-response", "nonsense")
	if strings.Contains(stderr, warning) {
		t.Errorf("BLURLINE_TOKEN: stderr = %q, want no warning", stderr)
	}
}
