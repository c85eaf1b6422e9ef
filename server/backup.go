package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/blurline/blurline"
)

// backup.go: GET /admin/backup, the online backup. It streams a
// consistent copy of the running bbolt store (one read transaction, begun
// between two writes: graph.Store.Backup) while writes go on, to a
// principal with the admin scope. The body is the store's file as it is,
// sent chunked; its SHA-256 follows in the trailer BackupSumTrailer, so a
// client (blurline backup --from) can tell a whole copy from a cut one.

// BackupSumTrailer is the trailer that carries the hex SHA-256 of the body.
const BackupSumTrailer = "X-Blurline-Backup-Sha256"

// backuper is a store with a file to copy (*graph.Store on bbolt).
type backuper interface {
	Backup(ctx context.Context, w io.Writer) (int64, error)
}

func (s *Server) serveBackup(w http.ResponseWriter, r *http.Request) {
	if r = s.withPrincipal(w, r, mediaJSON); r == nil {
		return
	}
	if err := s.allow(blurline.PrincipalFromContext(r.Context()), blurline.ScopeAdmin, "backups"); err != nil {
		s.refuse(w, r, mediaJSON, err)
		return
	}
	b, ok := s.store.(backuper)
	if !ok {
		s.refuse(w, r, mediaJSON, blurline.Errorf(blurline.ErrNotFound,
			"this store cannot be copied by the server: back up a PostgreSQL store with pg_dump"))
		return
	}
	// A copy of a large store takes longer than a request may: the
	// request's write deadline is lifted; a client that goes away ends it.
	if err := http.NewResponseController(w).SetWriteDeadline(time.Time{}); err != nil {
		s.lg.Warn("backup: cannot lift the write deadline", "err", err, "request_id", requestID(r.Context()))
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="blurline-%s.bolt"`, time.Now().UTC().Format("20060102T150405Z")))
	h.Set("Cache-Control", "no-store")
	h.Set("Trailer", BackupSumTrailer)
	sum := sha256.New()
	started := time.Now()
	n, err := b.Backup(context.WithoutCancel(r.Context()), io.MultiWriter(w, sum))
	if err != nil {
		if n == 0 && errors.Is(err, blurline.ErrInvalid) {
			h.Del("Trailer")
			h.Del("Content-Disposition")
			s.refuse(w, r, mediaJSON, blurline.Errorf(blurline.ErrNotFound,
				"this store has no file the server can copy: back up a PostgreSQL store with pg_dump, a memory store with export"))
			return
		}
		if n == 0 {
			h.Del("Trailer")
			h.Del("Content-Disposition")
			s.refuse(w, r, mediaJSON, fmt.Errorf("backup: %w", err)) // internal: logged, not shown
			return
		}
		// Part of the body is out: no checksum in the trailer tells the
		// client the copy is not whole; cut the connection too.
		s.lg.Error("backup cut off", "err", err, "bytes", n, "request_id", requestID(r.Context()))
		panic(http.ErrAbortHandler)
	}
	h.Set(BackupSumTrailer, hex.EncodeToString(sum.Sum(nil)))
	s.lg.Info("backup sent", "bytes", n, "duration", time.Since(started), "principal", blurline.PrincipalFromContext(r.Context()).Name,
		"request_id", requestID(r.Context()))
}
