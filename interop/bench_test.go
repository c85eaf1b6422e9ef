package interop_test

import (
	"context"
	"testing"

	"github.com/blurline/blurline/interop"
)

// BenchmarkImport measures import throughput on the real files, each into a
// fresh seeded in-memory store (the store's set-up is not timed). Run with
//
//	go test -run='^$' -bench=Import -benchtime=10x ./interop
func BenchmarkImport(b *testing.B) {
	for _, c := range []struct {
		name, file string
		misp       bool
	}{
		{"stix/ics-attack-18.1", "ics-attack-18.1.json", false},
		{"misp/threat-actor", "misp-threat-actor.json", true},
		{"misp/mitre-intrusion-set", "misp-mitre-intrusion-set.json", true},
	} {
		b.Run(c.name, func(b *testing.B) {
			data := readData(b, c.file)
			ctx := context.Background()
			objects := 0
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				b.StopTimer()
				s := openStore(b, true)
				b.StartTimer()
				var rep *interop.Report
				var err error
				if c.misp {
					rep, err = interop.ImportMISPGalaxy(ctx, s, data, interop.ImportOptions{})
				} else {
					rep, err = interop.ImportSTIX(ctx, s, data, interop.ImportOptions{})
				}
				if err != nil {
					b.Fatal(err)
				}
				objects += rep.Objects
			}
			b.ReportMetric(float64(objects)/b.Elapsed().Seconds(), "objects/s")
		})
	}
}

// BenchmarkExportSeed measures the STIX export of the seed.
func BenchmarkExportSeed(b *testing.B) {
	s := openStore(b, true)
	ctx := context.Background()
	for b.Loop() {
		bundle, err := interop.ExportSTIX(ctx, s, interop.ExportFilter{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bundle.JSON(); err != nil {
			b.Fatal(err)
		}
	}
}
