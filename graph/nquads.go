package graph

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cayleygraph/quad"

	"github.com/blurline/blurline"
)

// A strict N-Quads reader and an exact writer (W3C RDF 1.1 N-Quads).
//
// quad v1.3.0's own reader is lenient (it reads `<a> <b c> <d> .` as string
// literals) and its errors carry no line number; its writer changes typed
// literals. This reader keeps every literal exactly as written: a typed
// literal stays a quad.TypedString with its datatype IRI, a language string a
// quad.LangString and a plain string a quad.String, so the writer gives back
// the same text.

// maxLineBytes bounds one N-Quads line.
const maxLineBytes = 1 << 20

// lineQuad is a parsed quad and the line it came from.
type lineQuad struct {
	quad.Quad
	Line int
}

// nquadsReader reads N-Quads one statement at a time.
type nquadsReader struct {
	br   *bufio.Reader
	line int
	// terms holds one copy of each IRI, blank node and datatype read: the
	// quads share them, and none keeps its line's text alive.
	terms map[string]quad.Value
}

func newNQuadsReader(r io.Reader) *nquadsReader {
	return &nquadsReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// errSyntax is a syntax error on one line (the line number is added by the caller).
type errSyntax struct{ msg string }

func (e *errSyntax) Error() string { return e.msg }

// Next returns the next quad, io.EOF at the end, or an error that names the line.
func (r *nquadsReader) Next() (lineQuad, error) {
	for {
		text, err := r.readLine()
		if err != nil {
			return lineQuad{}, err
		}
		q, ok, perr := parseNQuadsLine(text)
		if perr != nil {
			return lineQuad{}, &LineError{Line: r.line, Msg: perr.Error()}
		}
		if ok {
			q.Subject, q.Predicate = r.intern(q.Subject), r.intern(q.Predicate)
			q.Object, q.Label = r.intern(q.Object), r.intern(q.Label)
			return lineQuad{Quad: q, Line: r.line}, nil
		}
	}
}

// intern returns the reader's copy of v (a literal's text is already a copy).
func (r *nquadsReader) intern(v quad.Value) quad.Value {
	if r.terms == nil {
		r.terms = make(map[string]quad.Value)
	}
	switch x := v.(type) {
	case quad.IRI:
		if c, ok := r.terms[string(x)]; ok {
			return c
		}
		c := quad.Value(quad.IRI(strings.Clone(string(x))))
		r.terms[string(c.(quad.IRI))] = c
		return c
	case quad.BNode:
		k := "_:" + string(x)
		if c, ok := r.terms[k]; ok {
			return c
		}
		c := quad.Value(quad.BNode(strings.Clone(string(x))))
		r.terms[k] = c
		return c
	case quad.TypedString:
		x.Type = r.intern(x.Type).(quad.IRI)
		return x
	case quad.LangString:
		x.Lang = strings.Clone(x.Lang)
		return x
	}
	return v
}

func (r *nquadsReader) readLine() (string, error) {
	var sb []byte
	for {
		chunk, isPrefix, err := r.br.ReadLine()
		if err != nil {
			if err == io.EOF && len(sb) > 0 {
				break
			}
			if err == io.EOF {
				return "", io.EOF
			}
			return "", fmt.Errorf("line %d: read: %w", r.line+1, err)
		}
		if !isPrefix && sb == nil {
			// The whole line in the reader's buffer (nearly every line):
			// one copy, into the string.
			r.line++
			if !utf8.Valid(chunk) {
				return "", &LineError{Line: r.line, Msg: "invalid UTF-8"}
			}
			return string(chunk), nil
		}
		sb = append(sb, chunk...)
		if len(sb) > maxLineBytes {
			r.line++
			// Skip the rest of the line, so that it is not read as the
			// lines after it.
			for isPrefix {
				if _, isPrefix, err = r.br.ReadLine(); err != nil && err != io.EOF {
					return "", fmt.Errorf("line %d: read: %w", r.line, err)
				}
				isPrefix = isPrefix && err == nil
			}
			return "", &LineError{Line: r.line, Msg: fmt.Sprintf("line longer than %d bytes", maxLineBytes)}
		}
		if !isPrefix {
			break
		}
	}
	r.line++
	if !utf8.Valid(sb) {
		return "", &LineError{Line: r.line, Msg: "invalid UTF-8"}
	}
	return string(sb), nil
}

// parseNQuadsLine parses one line: ok is false for a blank or comment line.
func parseNQuadsLine(s string) (q quad.Quad, ok bool, err error) {
	p := &lineParser{s: s}
	p.skipWS()
	if p.eof() || p.peek() == '#' {
		return q, false, nil
	}
	if q.Subject, err = p.term("subject", true, false); err != nil {
		return q, false, err
	}
	if q.Predicate, err = p.term("predicate", false, false); err != nil {
		return q, false, err
	}
	if q.Object, err = p.term("object", true, true); err != nil {
		return q, false, err
	}
	p.skipWS()
	if !p.eof() && p.peek() != '.' {
		if q.Label, err = p.term("graph label", true, false); err != nil {
			return q, false, err
		}
		p.skipWS()
	}
	if p.eof() || p.peek() != '.' {
		return q, false, p.errorf("expected '.' at the end of the statement")
	}
	p.i++
	p.skipWS()
	if !p.eof() && p.peek() != '#' {
		return q, false, p.errorf("unexpected text after '.'")
	}
	return q, true, nil
}

type lineParser struct {
	s string
	i int
}

func (p *lineParser) eof() bool  { return p.i >= len(p.s) }
func (p *lineParser) peek() byte { return p.s[p.i] }

func (p *lineParser) skipWS() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *lineParser) errorf(format string, args ...any) error {
	return &errSyntax{msg: fmt.Sprintf("column %d: ", p.i+1) + fmt.Sprintf(format, args...)}
}

// term reads one term; what names its position for error messages.
func (p *lineParser) term(what string, allowBlank, allowLiteral bool) (quad.Value, error) {
	p.skipWS()
	if p.eof() {
		return nil, p.errorf("missing %s", what)
	}
	switch c := p.peek(); {
	case c == '<':
		iri, err := p.iri()
		if err != nil {
			return nil, err
		}
		return quad.IRI(iri), nil
	case c == '_':
		if !allowBlank {
			return nil, p.errorf("a blank node cannot be the %s", what)
		}
		return p.blank()
	case c == '"':
		if !allowLiteral {
			return nil, p.errorf("a literal cannot be the %s", what)
		}
		return p.literal()
	default:
		return nil, p.errorf("expected the %s (an IRI in <...>%s), found %q", what,
			map[bool]string{true: ", a blank node or a literal", false: ""}[allowLiteral], c)
	}
}

func (p *lineParser) iri() (string, error) {
	start := p.i
	// Fast path: no escapes, every character allowed: a substring of the line.
	if end := strings.IndexByte(p.s[start+1:], '>'); end >= 0 {
		raw := p.s[start+1 : start+1+end]
		clean := true
		for i := 0; i < len(raw); i++ {
			if c := raw[i]; c <= 0x20 || c == '\\' || strings.IndexByte("<\"{}|^`", c) >= 0 {
				clean = false
				break
			}
		}
		if clean && blurline.IsAbsIRI(raw) {
			p.i = start + 2 + end
			return raw, nil
		}
	}
	p.i++ // '<'
	var b strings.Builder
	for {
		if p.eof() {
			p.i = start
			return "", p.errorf("unterminated IRI")
		}
		c := p.s[p.i]
		switch {
		case c == '>':
			p.i++
			iri := b.String()
			if !blurline.IsAbsIRI(iri) {
				p.i = start
				return "", p.errorf("IRI <%s> is not absolute", iri)
			}
			return iri, nil
		case c == '\\':
			r, err := p.uchar()
			if err != nil {
				return "", err
			}
			if blurline.IRIForbidden(r) {
				return "", p.errorf("character %U is not allowed in an IRI", r)
			}
			b.WriteRune(r)
		case c <= 0x20 || strings.IndexByte("<\"{}|^`", c) >= 0:
			return "", p.errorf("character %q is not allowed in an IRI", c)
		default:
			b.WriteByte(c)
			p.i++
		}
	}
}

func (p *lineParser) uchar() (rune, error) {
	// at '\'
	if p.i+1 >= len(p.s) {
		return 0, p.errorf("bad escape")
	}
	n := 0
	switch p.s[p.i+1] {
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		return 0, p.errorf("bad escape \\%c", p.s[p.i+1])
	}
	if p.i+2+n > len(p.s) {
		return 0, p.errorf("short \\%c escape", p.s[p.i+1])
	}
	v, err := strconv.ParseUint(p.s[p.i+2:p.i+2+n], 16, 32)
	if err != nil || !utf8.ValidRune(rune(v)) {
		return 0, p.errorf("bad \\%c escape", p.s[p.i+1])
	}
	p.i += 2 + n
	return rune(v), nil
}

func (p *lineParser) blank() (quad.Value, error) {
	if !strings.HasPrefix(p.s[p.i:], "_:") {
		return nil, p.errorf("expected a blank node label _:name")
	}
	p.i += 2
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ' ' || c == '\t' || c == '<' || c == '"' {
			break
		}
		if c == '.' && (p.i+1 >= len(p.s) || p.s[p.i+1] == ' ' || p.s[p.i+1] == '\t' || p.s[p.i+1] == '#') {
			break
		}
		if !(c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80) {
			return nil, p.errorf("character %q is not allowed in a blank node label", c)
		}
		p.i++
	}
	if p.i == start {
		return nil, p.errorf("empty blank node label")
	}
	return quad.BNode(p.s[start:p.i]), nil
}

func (p *lineParser) literal() (quad.Value, error) {
	start := p.i
	p.i++ // '"'
	var b strings.Builder
	// Fast path: no escapes before the closing quote.
	if end := strings.IndexAny(p.s[p.i:], "\"\\\n\r"); end >= 0 && p.s[p.i+end] == '"' {
		b.WriteString(p.s[p.i : p.i+end])
		p.i += end
	}
	for {
		if p.eof() {
			p.i = start
			return nil, p.errorf("unterminated string literal")
		}
		c := p.s[p.i]
		if c == '"' {
			p.i++
			break
		}
		if c == '\n' || c == '\r' {
			return nil, p.errorf("raw line break in a string literal")
		}
		if c != '\\' {
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return nil, p.errorf("bad escape at the end of the line")
		}
		switch e := p.s[p.i+1]; e {
		case 't':
			b.WriteByte('\t')
		case 'b':
			b.WriteByte('\b')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case '"', '\'', '\\':
			b.WriteByte(e)
		case 'u', 'U':
			r, err := p.uchar()
			if err != nil {
				return nil, err
			}
			b.WriteRune(r)
			continue
		default:
			return nil, p.errorf("bad escape \\%c in a string literal", e)
		}
		p.i += 2
	}
	val := b.String()
	if p.eof() {
		return quad.String(val), nil
	}
	switch p.peek() {
	case '@':
		p.i++
		st := p.i
		for p.i < len(p.s) && (isAlpha(p.s[p.i]) || p.i > st && (p.s[p.i] == '-' || p.s[p.i] >= '0' && p.s[p.i] <= '9')) {
			p.i++
		}
		lang := p.s[st:p.i]
		if lang == "" || !isAlpha(lang[0]) || strings.HasSuffix(lang, "-") {
			return nil, p.errorf("bad language tag")
		}
		return quad.LangString{Value: quad.String(val), Lang: lang}, nil
	case '^':
		if !strings.HasPrefix(p.s[p.i:], "^^<") {
			return nil, p.errorf("expected ^^<datatype IRI>")
		}
		p.i += 2
		dt, err := p.iri()
		if err != nil {
			return nil, err
		}
		return quad.TypedString{Value: quad.String(val), Type: quad.IRI(dt)}, nil
	}
	return quad.String(val), nil
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// LineError is one problem in an input file, with its position.
type LineError struct {
	File string
	Line int // 0 when the problem is not on one line
	Msg  string
}

func (e *LineError) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	case e.File != "":
		return e.File + ": " + e.Msg
	}
	return e.Msg
}

// writeTerm writes a term in N-Quads syntax, exactly.
func writeTerm(w *bufio.Writer, v quad.Value) {
	switch v := v.(type) {
	case quad.IRI:
		w.WriteByte('<')
		for _, r := range string(v) {
			if blurline.IRIForbidden(r) {
				fmt.Fprintf(w, "\\u%04X", r)
			} else {
				w.WriteRune(r)
			}
		}
		w.WriteByte('>')
	case quad.BNode:
		w.WriteString("_:")
		w.WriteString(string(v))
	case quad.String:
		writeString(w, string(v))
	case quad.LangString:
		writeString(w, string(v.Value))
		w.WriteByte('@')
		w.WriteString(v.Lang)
	case quad.TypedString:
		writeString(w, string(v.Value))
		w.WriteString("^^")
		writeTerm(w, v.Type)
	default:
		// Values that cayley converted to native types: write their typed form.
		if ts, ok := v.(interface{ TypedString() quad.TypedString }); ok {
			writeTerm(w, ts.TypedString())
			return
		}
		writeString(w, fmt.Sprint(v.Native()))
	}
}

func writeString(w *bufio.Writer, s string) {
	w.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			w.WriteString(`\"`)
		case '\\':
			w.WriteString(`\\`)
		case '\n':
			w.WriteString(`\n`)
		case '\r':
			w.WriteString(`\r`)
		case '\t':
			w.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				fmt.Fprintf(w, "\\u%04X", c)
			} else {
				w.WriteByte(c)
			}
		}
	}
	w.WriteByte('"')
}

// WriteNQuads writes quads as N-Quads, one per line.
func WriteNQuads(w io.Writer, quads []quad.Quad) error {
	bw := bufio.NewWriter(w)
	for _, q := range quads {
		writeQuad(bw, q)
	}
	return bw.Flush()
}

func writeQuad(bw *bufio.Writer, q quad.Quad) {
	writeTerm(bw, q.Subject)
	bw.WriteByte(' ')
	writeTerm(bw, q.Predicate)
	bw.WriteByte(' ')
	writeTerm(bw, q.Object)
	if q.Label != nil {
		bw.WriteByte(' ')
		writeTerm(bw, q.Label)
	}
	bw.WriteString(" .\n")
}
