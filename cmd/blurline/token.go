package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/blurline/blurline"
	"github.com/blurline/blurline/server"
)

// token.go: blurline token, which issues, lists and revokes the tokens of
// a principals file (its form is in server/principals.go and
// docs/security.md). A running server reads the file again within a
// second of a change: no restart.

type tokenConfig struct {
	Scopes  string
	Marking string
}

func tokenCommand() *command {
	return &command{
		args:  "add|revoke|list|hash [flags] [NAME]",
		short: "issue, revoke and list the tokens of a principals file",
		long: "Token manages the principals file of --token-file (env BLURLINE_TOKEN_FILE):\n" +
			"  add NAME     makes a new random token for NAME with --scopes and --marking, adds\n" +
			"               its hash to the file (made, mode 600, if it does not exist) and prints\n" +
			"               the token, once: the file keeps only its hash\n" +
			"  revoke NAME  removes NAME's line: the token stops working within a second\n" +
			"  list         prints each principal's name, scopes and marking\n" +
			"  hash         reads a token from standard input and prints the file's sha256: form\n" +
			"A running server reads the file again when it changes. See docs/security.md.",
		flags: func(c *config) *flag.FlagSet {
			fs := flag.NewFlagSet("token", flag.ContinueOnError)
			fs.StringVar(&c.TokenFile, "token-file", c.TokenFile, "the principals file (env BLURLINE_TOKEN_FILE)")
			fs.StringVar(&c.TokenCmd.Scopes, "scopes", or(c.TokenCmd.Scopes, "read"), "add: comma-separated scopes: read, write, import, admin")
			fs.StringVar(&c.TokenCmd.Marking, "marking", or(c.TokenCmd.Marking, "CLEAR"), "add: the highest TLP marking the principal may see: CLEAR, GREEN, AMBER, AMBER+STRICT, RED")
			return fs
		},
		run:         tokenRun,
		interrupted: "the principals file is as it was (it is replaced whole or not at all)",
	}
}

func tokenRun(ctx context.Context, e *env) error {
	if len(e.args) == 0 {
		return errors.New("token needs add, revoke, list or hash (blurline help token)")
	}
	// Flags may follow the verb too: blurline token add --scopes write NAME.
	verb := e.args[0]
	fs := tokenCommand().flags(e.cfg)
	fs.SetOutput(e.stderr)
	if err := fs.Parse(e.args[1:]); err != nil {
		return errUsage
	}
	args := fs.Args()
	if verb == "hash" {
		b, err := io.ReadAll(io.LimitReader(e.stdin, 4096))
		if err != nil {
			return err
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			return errors.New("no token on standard input")
		}
		fmt.Fprintln(e.stdout, server.HashToken(t))
		return nil
	}
	file := e.cfg.TokenFile
	if file == "" {
		return errors.New("give the principals file with --token-file (or BLURLINE_TOKEN_FILE)")
	}
	file = filepath.Clean(file)
	switch verb {
	case "add":
		if len(args) != 1 {
			return errors.New("token add needs one NAME")
		}
		scopes, err := blurline.ParseScopes(e.cfg.TokenCmd.Scopes)
		if err != nil {
			return fmt.Errorf("--scopes: %w", err)
		}
		m, err := blurline.ParseMarking(e.cfg.TokenCmd.Marking)
		if err != nil {
			return fmt.Errorf("--marking: %w", err)
		}
		lines, mode, err := readLines(file, true)
		if err != nil {
			return err
		}
		if _, ok := findPrincipal(lines, args[0]); ok {
			return fmt.Errorf("%s already has a principal %q: revoke it first", file, args[0])
		}
		token := server.NewToken()
		lines = append(lines, server.PrincipalLine(&blurline.Principal{Name: args[0], Scopes: scopes, MaxMarking: m}, token))
		if err := writeLines(file, lines, mode); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, token)
		fmt.Fprintf(e.stderr, "added %s (%s; up to TLP:%s) to %s: the token above is shown once, the file keeps its hash\n", args[0], scopes, m, file)
		return nil
	case "revoke":
		if len(args) != 1 {
			return errors.New("token revoke needs one NAME")
		}
		lines, mode, err := readLines(file, false)
		if err != nil {
			return err
		}
		i, ok := findPrincipal(lines, args[0])
		if !ok {
			return fmt.Errorf("%s has no principal %q", file, args[0])
		}
		lines = append(lines[:i], lines[i+1:]...)
		if err := writeLines(file, lines, mode); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "revoked %s: a running server refuses its token within a second\n", args[0])
		return nil
	case "list":
		ps, err := server.LoadPrincipals(e.lg, file)
		if err != nil {
			return err
		}
		for _, p := range ps.List() {
			fmt.Fprintf(e.stdout, "%s\t%s\tTLP:%s\n", p.Name, p.Scopes, p.MaxMarking)
		}
		return nil
	}
	return fmt.Errorf("unknown token command %q: add, revoke, list or hash", verb)
}

// findPrincipal returns the index of name's line.
func findPrincipal(lines []string, name string) (int, bool) {
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) == 4 && f[0] == name && !strings.HasPrefix(f[0], "#") {
			return i, true
		}
	}
	return 0, false
}

// readLines reads the principals file's lines and mode; a missing file is
// empty (mode 600) when missingOK. A file of one bare token is refused:
// it would mix two forms.
func readLines(file string, missingOK bool) ([]string, os.FileMode, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) && missingOK {
		return []string{"# name scopes marking token-hash (blurline token add; docs/security.md)"}, 0o600, nil
	}
	if err != nil {
		return nil, 0, err
	}
	fi, err := os.Stat(file)
	if err != nil {
		return nil, 0, err
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := sc.Text()
		if f := strings.Fields(l); len(f) == 1 && !strings.HasPrefix(f[0], "#") {
			return nil, 0, fmt.Errorf("%s holds a bare token: make a principals file (blurline token add into a new file) and point --token-file at it", file)
		}
		lines = append(lines, l)
	}
	return lines, fi.Mode().Perm(), sc.Err()
}

// writeLines replaces file atomically (a new file renamed over it), so a
// server never reads half of it.
func writeLines(file string, lines []string, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}
