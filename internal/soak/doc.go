// Package soak holds the concurrency soak test of the knowledge store:
// GraphQL readers, direct store readers, the blur ranking and one writer
// hammer the same store (memory, bbolt and, where PostgreSQL is installed,
// postgres) for a bounded time, and the writer checks the store's
// invariants after every write. It has no code of its own; run it with
//
//	go test -race ./internal/soak              # a short pass (3 s per backend, 1 s with -short)
//	go test -race ./internal/soak -soak=2m     # minutes
package soak
