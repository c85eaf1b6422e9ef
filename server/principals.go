package server

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/blurline/blurline"
)

// principals.go: who may do what. A Principals is the set of token
// holders a server accepts, each a name, its scopes, the highest TLP
// marking it may see and the SHA-256 hash of its token (never the token).
// It is read from a principals file, which is read again (at most once per
// ReloadEvery, on the first request after) whenever its content changed,
// so that a token is issued or revoked without a restart.
//
// The file has one principal a line, four fields separated by blanks:
//
//	# name    scopes             marking  token hash
//	alice     read,write         AMBER    sha256:5e884898da28047151d0e56f8dc62927...
//	feed      import             GREEN    sha256:6b86b273ff34fce19d6b804eff5a3f57...
//	ops       admin              RED      sha256:d4735e3a265e16eee03f59718b9b5d03...
//
// Blank lines and lines starting with # are ignored. A file that holds
// nothing but one token (one word on one line: the single-token file of a
// server with one operator) is the one-principal case: a principal named
// "token" with every scope, cleared for RED, whose token is that word.
//
// A file that cannot be read or parsed accepts no token at all (it fails
// closed: a half-edited file never keeps a revoked token alive), and says
// why in the log, with the line, until it is mended.

// ReloadEvery is how often, at most, a principals file is read again.
const ReloadEvery = time.Second

// hashPrefix starts a token hash in a principals file.
const hashPrefix = "sha256:"

// Principals authenticates bearer tokens. It is safe for concurrent use.
type Principals struct {
	path string // "" for a fixed set

	lg *slog.Logger // nil: the server's (adopt)

	mu      sync.Mutex
	checked time.Time // when the file was last read
	content []byte    // what it held then
	list    []principalEntry
	err     error // why the file is refused (then no token is accepted)
}

type principalEntry struct {
	hash [sha256.Size]byte
	p    *blurline.Principal
}

// SinglePrincipal returns the principals of a server with one token: a
// principal named "token" holding every scope, cleared for RED.
func SinglePrincipal(token string) *Principals {
	return &Principals{list: []principalEntry{{hash: sha256.Sum256([]byte(token)), p: operator("token")}}}
}

func operator(name string) *blurline.Principal {
	return &blurline.Principal{Name: name, Scopes: blurline.AllScopes, MaxMarking: blurline.TLPRed}
}

// LoadPrincipals reads the principals file at path; see the comment at
// the top of principals.go for its form. The error names the bad line.
// Later reads log to lg (nil: to the server's logger).
func LoadPrincipals(lg *slog.Logger, path string) (*Principals, error) {
	ps := &Principals{lg: lg, path: path}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("principals file: %w", err)
	}
	list, err := parsePrincipals(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("principals file %s: %w", path, err)
	}
	ps.checked, ps.content, ps.list = time.Now(), b, list
	if len(list) == 1 && list[0].p.Name == "token" && lg != nil {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			lg.Warn("the token file holds a token in clear and others may read it: chmod 600 it, or hash the token in a principals file (docs/security.md)", "file", path)
		}
	}
	return ps, nil
}

// parsePrincipals reads principals from r (the principals file's form).
// Its errors say the line and never repeat a token.
func parsePrincipals(r io.Reader) ([]principalEntry, error) {
	var list []principalEntry
	var lines []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	names := map[string]int{}
	var bare []int // lines holding one word
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 1 {
			bare = append(bare, i+1)
			list = append(list, principalEntry{hash: sha256.Sum256([]byte(f[0])), p: operator("token")})
			continue
		}
		if len(f) != 4 {
			return nil, blurline.Errorf(blurline.ErrInvalid, "line %d: want 4 fields (name, scopes, marking, sha256:HASH), found %d", i+1, len(f))
		}
		name := f[0]
		if strings.ContainsFunc(name, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.@", r))
		}) {
			return nil, blurline.Errorf(blurline.ErrInvalid, "line %d: a principal's name is letters, digits and - _ . @ only", i+1)
		}
		if prev, ok := names[name]; ok {
			return nil, blurline.Errorf(blurline.ErrInvalid, "line %d: principal %q is already on line %d", i+1, name, prev)
		}
		names[name] = i + 1
		scopes, err := blurline.ParseScopes(f[1])
		if err != nil {
			return nil, blurline.Errorf(blurline.ErrInvalid, "line %d: %v", i+1, err)
		}
		m, err := blurline.ParseMarking(f[2])
		if err != nil {
			return nil, blurline.Errorf(blurline.ErrInvalid, "line %d: %v", i+1, err)
		}
		h, ok := strings.CutPrefix(f[3], hashPrefix)
		raw, err := hex.DecodeString(h)
		if !ok || err != nil || len(raw) != sha256.Size {
			return nil, blurline.Errorf(blurline.ErrInvalid, "line %d: the fourth field must be sha256: and 64 hex digits, the hash of the token (blurline token add writes it)", i+1)
		}
		e := principalEntry{p: &blurline.Principal{Name: name, Scopes: scopes, MaxMarking: m}}
		copy(e.hash[:], raw)
		list = append(list, e)
	}
	if len(bare) > 0 && len(list) > 1 {
		return nil, blurline.Errorf(blurline.ErrInvalid, "line %d: one word alone is a bare token, allowed only as the whole file; a principals file has name, scopes, marking and sha256:HASH on each line", bare[0])
	}
	return list, nil
}

// Authenticate returns the principal whose token is token, or false. It
// hashes token and compares the hash with every principal's in constant
// time, so neither the answer's timing nor its error tells how much of a
// token was right, or which principal's it nearly was.
func (ps *Principals) Authenticate(token string) (*blurline.Principal, bool) {
	list := ps.current()
	i, _ := match(sha256.Sum256([]byte(token)), list)
	if i < 0 {
		return nil, false
	}
	return list[i].p, true
}

// match returns the index of the entry whose hash is h (-1 for none) and
// how many entries it compared: always all of them.
func match(h [sha256.Size]byte, list []principalEntry) (index, compared int) {
	index = -1
	for i := range list {
		eq := subtle.ConstantTimeCompare(h[:], list[i].hash[:])
		index = subtle.ConstantTimeSelect(eq, i, index)
		compared++
	}
	return index, compared
}

// adopt makes lg the logger of a set loaded without one.
func (ps *Principals) adopt(lg *slog.Logger) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.lg == nil {
		ps.lg = lg
	}
}

func (ps *Principals) logger() *slog.Logger {
	if ps.lg == nil {
		return slog.New(slog.DiscardHandler)
	}
	return ps.lg
}

// List returns the principals accepted now, in the file's order.
func (ps *Principals) List() []*blurline.Principal {
	var out []*blurline.Principal
	for _, e := range ps.current() {
		out = append(out, e.p)
	}
	return out
}

// Len returns how many principals are accepted now.
func (ps *Principals) Len() int { return len(ps.current()) }

// current returns the principals accepted now, reading the file again if
// ReloadEvery has passed since it was last read.
func (ps *Principals) current() []principalEntry {
	if ps == nil {
		return nil
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.path != "" && time.Since(ps.checked) >= ReloadEvery {
		ps.reload()
	}
	if ps.err != nil {
		return nil
	}
	return ps.list
}

// Reload reads the principals file again now (the server also does so by
// itself when the file changes); it returns why the file is refused.
func (ps *Principals) Reload() error {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.reload()
	return ps.err
}

// reload reads the file again; ps.mu is held.
func (ps *Principals) reload() {
	if ps.path == "" {
		return
	}
	ps.checked = time.Now()
	b, err := os.ReadFile(ps.path)
	if err == nil && ps.err == nil && bytes.Equal(b, ps.content) {
		return
	}
	var list []principalEntry
	if err == nil {
		list, err = parsePrincipals(bytes.NewReader(b))
	}
	if err != nil {
		if ps.err == nil || ps.err.Error() != err.Error() {
			ps.logger().Error("principals file refused: no token is accepted until it is mended", "file", ps.path, "err", err)
		}
		ps.err, ps.content, ps.list = err, nil, nil
		return
	}
	ps.logger().Info("principals file read", "file", ps.path, "principals", len(list))
	ps.err, ps.content, ps.list = nil, b, list
}

// NewToken returns a new random token: 32 bytes from crypto/rand, in
// URL-safe base64 with a "blt_" prefix that makes it easy to find in a
// leak scan.
func NewToken() string {
	var b [32]byte
	rand.Read(b[:])
	return "blt_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken returns the hash of token as a principals file holds it.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hashPrefix + hex.EncodeToString(h[:])
}

// PrincipalLine returns the principals file's line for p with token.
func PrincipalLine(p *blurline.Principal, token string) string {
	return fmt.Sprintf("%s %s %s %s", p.Name, p.Scopes, p.MaxMarking, HashToken(token))
}
