package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/blurline/blurline"
	"io"
	"os"
	"strings"
	"time"

	"github.com/blurline/blurline/interop"
)

// interopConfig holds the flags of import, retract-import and export --format stix.
type interopConfig struct {
	Format    string // import: auto, stix or misp-galaxy
	Source    string // import: source IRI for statements that cite none
	ImportID  string // import: the import's id (one file only)
	IDs       string // export: comma-separated entity ids at the centre of a subgraph
	Hops      int    // export: neighbourhood radius
	Timestamp string // export: created/modified of undated objects (RFC 3339 or "now")
	// import --taxii: pull a TAXII 2.1 collection instead of reading files.
	TAXII      string // discovery or API root URL
	Collection string
	AddedAfter string // RFC 3339
	Spool      string // directory keeping an interrupted pull
	TAXIIToken string // env BLURLINE_TAXII_TOKEN
	PageSize   int
}

func importCommand() *command {
	return &command{
		args:  "[flags] FILE... | --taxii URL --collection ID",
		short: "import STIX 2.x bundles, MISP galaxies or a TAXII 2.1 collection, one all-or-nothing import each",
		long: "Import maps each file (- for standard input) onto the vocabulary, merges what it describes\n" +
			"into the entities the store already has (by external ids, then exact names and aliases\n" +
			"within compatible classes; never on an ambiguous match) and writes it as one import:\n" +
			"on any problem nothing is written and each problem names the object and JSON path.\n" +
			"It prints what was created, merged (and by which key) and skipped (and why).\n" +
			"Importing the same file twice changes nothing; retract-import ID takes an import back.\n" +
			"With --taxii URL --collection ID it pulls a TAXII 2.1 collection page by page into a\n" +
			"spool directory (an interrupted pull resumes when run again) and imports it as one\n" +
			"import; --added-after pulls only what was added later. The token of a TAXII server\n" +
			"that wants one comes from BLURLINE_TAXII_TOKEN.\n" +
			"See docs/interop.md.",
		flags: func(c *config) *flag.FlagSet {
			fs := c.plainFlags("import")
			fs.StringVar(&c.Interop.Format, "format", "auto", "input format: stix, misp-galaxy, or auto (by content)")
			fs.StringVar(&c.Interop.Source, "source", "", "source URL for statements that cite none (default: the bundle id as urn:uuid:..., the galaxy's upstream URL)")
			fs.StringVar(&c.Interop.ImportID, "id", "", "import id (default: the bundle id, or misp-TYPE-HASH); one file only")
			c.markingFlag(fs, blurline.DefaultMarking)
			fs.BoolVar(&c.JSON, "json", false, "print the reports as JSON")
			fs.StringVar(&c.Interop.TAXII, "taxii", "", "pull from this TAXII 2.1 server (discovery URL or API root) instead of files")
			fs.StringVar(&c.Interop.Collection, "collection", "", "with --taxii: the collection id")
			fs.StringVar(&c.Interop.AddedAfter, "added-after", "", "with --taxii: only objects added after this RFC 3339 time")
			fs.IntVar(&c.Interop.PageSize, "page-size", 1000, "with --taxii: objects asked for per page")
			fs.StringVar(&c.Interop.Spool, "spool", "", "with --taxii: the directory that keeps the pull until it is imported (default: one in the temporary directory, named after the pull)")
			return fs
		},
		run: importFiles,
		// Each file is one write: the files before the interrupted one stay imported.
		interrupted: "the file being imported was not imported (nothing of it was written); the files before it were",
	}
}

func retractImportCommand() *command {
	return &command{
		args:  "[flags] ID...",
		short: "take back everything an import wrote",
		long: "Retract-import removes the entity descriptions and statements of each import (the id\n" +
			"import printed), restoring the store as it was before. It refuses, changing nothing,\n" +
			"when another statement still needs an entity the import created.",
		flags: func(c *config) *flag.FlagSet { return c.plainFlags("retract-import") },
		run:   retractImports,
	}
}

func importFiles(ctx context.Context, e *env) error {
	if e.cfg.Interop.TAXII != "" {
		return importTAXII(ctx, e)
	}
	if e.cfg.Interop.Collection != "" || e.cfg.Interop.AddedAfter != "" {
		return fmt.Errorf("--collection and --added-after go with --taxii")
	}
	if len(e.args) == 0 {
		return fmt.Errorf("no files given")
	}
	if e.cfg.Interop.ImportID != "" && len(e.args) > 1 {
		return fmt.Errorf("--id names one import: give one file")
	}
	m, err := e.cfg.marking()
	if err != nil {
		return err
	}
	s, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer s.Close()
	var reports []*interop.Report
	for _, name := range e.args {
		data, err := readFile(e, name)
		if err != nil {
			return err
		}
		if name == "-" {
			name = "<stdin>"
		}
		opt := interop.ImportOptions{Name: name, Source: e.cfg.Interop.Source, ImportID: e.cfg.Interop.ImportID, Marking: m}
		p := startProgress(e, "import "+name, -1)
		rep, err := interop.Import(ctx, s, data, e.cfg.Interop.Format, opt)
		p.finish()
		if err != nil {
			return reportInput(e, err)
		}
		reports = append(reports, rep)
		if !e.cfg.JSON {
			fmt.Fprintln(e.stdout, rep.String())
		}
	}
	if e.cfg.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(reports)
	}
	return nil
}

// readFile reads a whole file (- is standard input), with a progress
// report for a large one.
func readFile(e *env, name string) ([]byte, error) {
	var r io.Reader = e.stdin
	size := int64(-1)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r, size = f, sourcesSize([]string{name})
	}
	p := startProgress(e, "read "+name, size)
	defer p.finish()
	return io.ReadAll(p.reader(r))
}

func retractImports(ctx context.Context, e *env) error {
	if len(e.args) == 0 {
		return fmt.Errorf("no import id given")
	}
	s, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, id := range e.args {
		n, err := interop.RetractImport(ctx, s, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "retracted import %s (%d quads)\n", id, n)
	}
	return nil
}

// exportSTIXFlags adds the STIX export's flags to export.
func exportSTIXFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.Interop.IDs, "id", "", "stix: export the neighbourhood of these entity ids (comma-separated) instead of the whole store")
	fs.IntVar(&c.Interop.Hops, "hops", 1, "stix: the neighbourhood's radius around --id")
	fs.StringVar(&c.Interop.Timestamp, "timestamp", "", "stix: created/modified of undated objects, RFC 3339 or \"now\" (default: the Unix epoch, so the same store gives the same bundle)")
}

func exportSTIX(ctx context.Context, e *env) error {
	f := interop.ExportFilter{Hops: e.cfg.Interop.Hops}
	for _, id := range strings.Split(e.cfg.Interop.IDs, ",") {
		if id = strings.TrimSpace(id); id != "" {
			f.IDs = append(f.IDs, id)
		}
	}
	switch ts := e.cfg.Interop.Timestamp; ts {
	case "":
	case "now":
		f.Timestamp = time.Now()
	default:
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return fmt.Errorf("--timestamp %q: want RFC 3339 or \"now\"", ts)
		}
		f.Timestamp = t
	}
	s, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := interop.ExportSTIX(ctx, s, f)
	if err != nil {
		return err
	}
	out, err := b.JSON()
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(out)
	return err
}

// importTAXII pulls a TAXII collection (resuming an interrupted pull) and
// imports it as one import.
func importTAXII(ctx context.Context, e *env) error {
	ic := e.cfg.Interop
	if len(e.args) > 0 {
		return fmt.Errorf("--taxii pulls a collection: give no files")
	}
	if ic.Collection == "" {
		return fmt.Errorf("--taxii needs --collection ID")
	}
	opt := interop.PullOptions{URL: ic.TAXII, Collection: ic.Collection, Spool: ic.Spool, Token: ic.TAXIIToken, Limit: ic.PageSize}
	if ic.AddedAfter != "" {
		t, err := time.Parse(time.RFC3339Nano, ic.AddedAfter)
		if err != nil {
			return fmt.Errorf("--added-after: want an RFC 3339 time such as 2021-07-19T00:00:00Z, got %q", ic.AddedAfter)
		}
		opt.AddedAfter = t
	}
	last := time.Now()
	opt.Progress = func(p interop.PullProgress) {
		if p.Done || time.Since(last) > 2*time.Second {
			last = time.Now()
			e.lg.Info("taxii pull", "pages", p.Pages, "objects", p.Objects, "resumed", p.Resumed, "done", p.Done)
		}
	}
	s, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer s.Close()
	pull, err := interop.PullTAXII(ctx, opt)
	if err != nil {
		if pull == nil && ctx.Err() == nil {
			return fmt.Errorf("TAXII pull: %w (run the same command again to resume)", err)
		}
		return fmt.Errorf("TAXII pull interrupted: %w (run the same command again to resume; nothing was imported)", err)
	}
	data, err := pull.Envelope()
	if err != nil {
		return err
	}
	m, err := e.cfg.marking()
	if err != nil {
		return err
	}
	rep, err := interop.ImportSTIX(ctx, s, data, interop.ImportOptions{Name: pull.Root + "collections/" + ic.Collection + "/",
		Source: ic.Source, ImportID: ic.ImportID, Marking: m})
	if err != nil {
		return reportInput(e, err)
	}
	if err := pull.Remove(); err != nil {
		e.lg.Warn("remove the TAXII spool", "dir", pull.Dir, "err", err)
	}
	if e.cfg.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode([]*interop.Report{rep})
	}
	fmt.Fprintf(e.stdout, "pulled %d objects in %d pages from %s\n", pull.Progress.Objects, pull.Progress.Pages, pull.Root)
	fmt.Fprintln(e.stdout, rep.String())
	return nil
}
