package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/blurline/blurline/server"
)

// backupFrom saves the online backup of the server at base
// (GET /admin/backup) to name (- for standard output). The copy counts
// only when the checksum the server sends after it matches: a file cut
// short or corrupted on the way is removed and reported.
func backupFrom(ctx context.Context, e *env, base, name string) error {
	u, err := url.Parse(strings.TrimRight(base, "/") + "/admin/backup")
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("--from %q: give the server's URL, http://HOST:PORT", base)
	}
	if e.cfg.Token == "" {
		return errors.New("backup --from needs a token with the admin scope: set BLURLINE_TOKEN (or --token)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+e.cfg.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("backup from %s: %w", u.Redacted(), err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("backup from %s: %s: %s", u.Redacted(), res.Status, strings.TrimSpace(string(msg)))
	}
	n, err := writeBackup(e, name, func(w io.Writer) (int64, error) {
		sum := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, sum), res.Body)
		if err == nil {
			want := res.Trailer.Get(server.BackupSumTrailer)
			if got := hex.EncodeToString(sum.Sum(nil)); want == "" || got != want {
				err = fmt.Errorf("backup from %s: the copy of %d bytes is not whole (its checksum does not match the server's)", u.Redacted(), n)
			}
		}
		return n, err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "backed up %d bytes from %s (checksum verified)\n", n, u.Redacted())
	return nil
}

// writeBackup writes a backup with write to the file name (created, never
// overwritten; - for standard output) and syncs it. A file left by a
// failed write is removed.
func writeBackup(e *env, name string, write func(io.Writer) (int64, error)) (int64, error) {
	var w io.Writer = e.stdout
	var f *os.File
	if name != "-" {
		var err error
		if f, err = os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err != nil {
			return 0, err
		}
		w = f
	}
	n, err := write(w)
	if f != nil {
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
		}
	}
	return n, err
}
