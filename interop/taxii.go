package interop

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/blurline/blurline"
)

// A TAXII 2.1 client that pulls one collection's objects, page by page,
// into a spool directory, so that an interrupted pull resumes where it
// stopped; the objects are then imported in one write (ImportSTIX reads
// the envelope).

const taxiiMediaType = "application/taxii+json;version=2.1"

// PullOptions say what to pull.
type PullOptions struct {
	// URL is the server's discovery URL (…/taxii2/) or an API root.
	URL string
	// Collection is the collection id.
	Collection string
	// AddedAfter, if set, pulls only objects added later.
	AddedAfter time.Time
	// Limit is the page size asked for (default 1000; the server may send fewer).
	Limit int
	// Spool is the directory that keeps a pull until it is imported.
	// Default: a directory under os.TempDir named after the pull.
	Spool string
	// Token, if set, is sent as a bearer token.
	Token string
	// Client is the HTTP client (default: one with a 60 s timeout per request).
	Client *http.Client
	// Progress, if set, is told after each page.
	Progress func(PullProgress)
}

// PullProgress is how far a pull is.
type PullProgress struct {
	Pages, Objects int
	Resumed        bool // the pull continued an earlier, interrupted one
	Done           bool
}

// pullState is a pull's spool state (state.json beside objects.jsonl).
type pullState struct {
	Root       string `json:"root"`
	Collection string `json:"collection"`
	AddedAfter string `json:"added_after,omitempty"`
	Next       string `json:"next,omitempty"`
	// LastAdded is the X-TAXII-Date-Added-Last of the last page: where a
	// server without next (or one that forgot it) is resumed with added_after.
	LastAdded string `json:"last_added,omitempty"`
	Pages     int    `json:"pages"`
	Objects   int    `json:"objects"`
	Bytes     int64  `json:"bytes"` // of objects.jsonl, as far as it is good
	Done      bool   `json:"done"`
}

// A Pull is a spooled collection.
type Pull struct {
	Dir      string
	Root     string
	Progress PullProgress
}

// Envelope returns the pulled objects as one TAXII envelope.
func (p *Pull) Envelope() ([]byte, error) {
	f, err := os.Open(filepath.Join(p.Dir, "objects.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	b.WriteString(`{"objects":[`)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	first := true
	for sc.Scan() {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

// Remove deletes the spool (once its objects are imported).
func (p *Pull) Remove() error { return os.RemoveAll(p.Dir) }

// PullTAXII pulls a collection into the spool, resuming an interrupted
// pull of the same URL, collection and added_after.
func PullTAXII(ctx context.Context, opt PullOptions) (*Pull, error) {
	if opt.Client == nil {
		opt.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if opt.Limit <= 0 {
		opt.Limit = 1000
	}
	added := ""
	if !opt.AddedAfter.IsZero() {
		added = opt.AddedAfter.UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	if opt.Collection == "" {
		return nil, blurline.Errorf(errInvalid, "a TAXII pull needs a collection id")
	}
	if opt.Spool == "" {
		h := sha256.Sum256([]byte(opt.URL + "\n" + opt.Collection + "\n" + added))
		opt.Spool = filepath.Join(os.TempDir(), "blurline-taxii-"+hex.EncodeToString(h[:8]))
	}
	if err := os.MkdirAll(opt.Spool, 0o700); err != nil {
		return nil, err
	}
	c := &taxiiClient{opt: opt}
	st, resumed, err := c.loadState(added)
	if err != nil {
		return nil, err
	}
	if st.Root == "" {
		if st.Root, err = c.apiRoot(ctx); err != nil {
			return nil, err
		}
		st.Collection = opt.Collection
		st.AddedAfter = added
	}
	p := &Pull{Dir: opt.Spool, Root: st.Root}
	p.Progress = PullProgress{Pages: st.Pages, Objects: st.Objects, Resumed: resumed}
	out, err := os.OpenFile(filepath.Join(opt.Spool, "objects.jsonl"), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	// What was written after the last saved state is dropped.
	if err := out.Truncate(st.Bytes); err != nil {
		return nil, err
	}
	if _, err := out.Seek(st.Bytes, io.SeekStart); err != nil {
		return nil, err
	}
	for !st.Done {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		env, lastAdded, err := c.page(ctx, st)
		if err != nil {
			return nil, err
		}
		for _, o := range env.Objects {
			line := bytes.ReplaceAll(o, []byte("\n"), nil) // a JSON value has no newline outside strings
			if _, err := out.Write(append(line, '\n')); err != nil {
				return nil, err
			}
			st.Bytes += int64(len(line) + 1)
		}
		if err := out.Sync(); err != nil {
			return nil, err
		}
		st.Pages++
		st.Objects += len(env.Objects)
		if lastAdded != "" {
			st.LastAdded = lastAdded
		}
		st.Next = env.Next
		st.Done = !env.More || len(env.Objects) == 0
		if env.More && env.Next == "" {
			// No next token: continue after the last date added.
			if lastAdded == "" {
				return nil, fmt.Errorf("TAXII server says more objects follow but gives neither next nor X-TAXII-Date-Added-Last")
			}
			st.AddedAfter = lastAdded
		}
		if err := c.saveState(st); err != nil {
			return nil, err
		}
		p.Progress = PullProgress{Pages: st.Pages, Objects: st.Objects, Resumed: resumed, Done: st.Done}
		if opt.Progress != nil {
			opt.Progress(p.Progress)
		}
	}
	return p, nil
}

type taxiiClient struct{ opt PullOptions }

func (c *taxiiClient) statePath() string { return filepath.Join(c.opt.Spool, "state.json") }

func (c *taxiiClient) loadState(added string) (*pullState, bool, error) {
	b, err := os.ReadFile(c.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return &pullState{}, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var st pullState
	if err := json.Unmarshal(b, &st); err != nil || st.Collection != c.opt.Collection {
		return &pullState{}, false, nil // another pull's or a broken state: start again
	}
	return &st, true, nil
}

func (c *taxiiClient) saveState(st *pullState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := c.statePath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, c.statePath())
}

// get fetches a TAXII resource, retrying transient failures.
func (c *taxiiClient) get(ctx context.Context, u string) ([]byte, http.Header, error) {
	var lastErr error
	for attempt := range 4 {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(1<<attempt) * 250 * time.Millisecond):
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Accept", taxiiMediaType)
		if c.opt.Token != "" {
			req.Header.Set("Authorization", "Bearer "+c.opt.Token)
		}
		res, err := c.opt.Client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			lastErr = err
			continue
		}
		body, err := io.ReadAll(io.LimitReader(res.Body, 1<<30))
		res.Body.Close()
		switch {
		case err != nil:
			lastErr = err
			continue
		case res.StatusCode == http.StatusOK:
			return body, res.Header, nil
		case res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests:
			lastErr = fmt.Errorf("GET %s: %s", redactURL(u), taxiiErrorText(res.Status, body))
			continue
		}
		return nil, nil, fmt.Errorf("GET %s: %s", redactURL(u), taxiiErrorText(res.Status, body))
	}
	return nil, nil, lastErr
}

func taxiiErrorText(status string, body []byte) string {
	var e struct{ Title, Description string }
	if json.Unmarshal(body, &e) == nil && e.Title != "" {
		return fmt.Sprintf("%s: %s: %s", status, e.Title, e.Description)
	}
	return status
}

func redactURL(u string) string {
	if p, err := url.Parse(u); err == nil && p.User != nil {
		p.User = url.User("xxx")
		return p.String()
	}
	return u
}

// apiRoot finds the API root: URL itself, or the default (else first) root
// of its discovery resource.
func (c *taxiiClient) apiRoot(ctx context.Context) (string, error) {
	u := c.opt.URL
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	body, _, err := c.get(ctx, u)
	if err != nil {
		return "", err
	}
	var d struct {
		Default  string   `json:"default"`
		APIRoots []string `json:"api_roots"`
		Versions []string `json:"versions"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return "", fmt.Errorf("%s: not a TAXII discovery or API root resource: %v", redactURL(u), err)
	}
	if len(d.Versions) > 0 || len(d.APIRoots) == 0 {
		return u, nil // an API root
	}
	root := d.Default
	if root == "" {
		root = d.APIRoots[0]
	}
	base, _ := url.Parse(u)
	ref, err := url.Parse(root)
	if err != nil {
		return "", fmt.Errorf("%s: bad API root %q", redactURL(u), root)
	}
	r := base.ResolveReference(ref).String()
	if !strings.HasSuffix(r, "/") {
		r += "/"
	}
	return r, nil
}

type envelope struct {
	More    bool              `json:"more"`
	Next    string            `json:"next"`
	Objects []json.RawMessage `json:"objects"`
}

func (c *taxiiClient) page(ctx context.Context, st *pullState) (*envelope, string, error) {
	q := url.Values{"limit": {fmt.Sprint(c.opt.Limit)}}
	if st.AddedAfter != "" {
		q.Set("added_after", st.AddedAfter)
	}
	if st.Next != "" {
		q.Set("next", st.Next)
	}
	u := st.Root + "collections/" + url.PathEscape(st.Collection) + "/objects/?" + q.Encode()
	body, hdr, err := c.get(ctx, u)
	if err != nil {
		return nil, "", err
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, "", fmt.Errorf("GET %s: not a TAXII envelope: %v", redactURL(u), err)
	}
	return &env, hdr.Get("X-TAXII-Date-Added-Last"), nil
}
