package interop

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/blurline/blurline/internal/strictjson"
)

// decodeJSON decodes one JSON document keeping numbers exact; an error
// names its line and column.
func decodeJSON(data []byte) (any, error) {
	var v any
	if err := strictjson.DecodeNumbers(data, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// jobj is a JSON object at a path, with typed accessors that record a
// problem (and return the zero value) when a value has the wrong type.
type jobj struct {
	m    map[string]any
	path string // e.g. objects[3] (malware--...)
	pr   *problems
}

func (o jobj) at(field string) string { return o.path + "." + field }

func (o jobj) has(field string) bool { _, ok := o.m[field]; return ok }

func (o jobj) str(field string) string {
	v, ok := o.m[field]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		o.pr.add(o.at(field), "must be a string, got %s", jsonType(v))
	}
	return s
}

func (o jobj) strs(field string) []string {
	v, ok := o.m[field]
	if !ok || v == nil {
		return nil
	}
	a, ok := v.([]any)
	if !ok {
		// MISP writes a single value where it usually writes a list.
		if s, ok := v.(string); ok {
			return []string{s}
		}
		o.pr.add(o.at(field), "must be a list of strings, got %s", jsonType(v))
		return nil
	}
	out := make([]string, 0, len(a))
	for i, x := range a {
		s, ok := x.(string)
		if !ok {
			o.pr.add(fmt.Sprintf("%s[%d]", o.at(field), i), "must be a string, got %s", jsonType(x))
			continue
		}
		out = append(out, s)
	}
	return out
}

func (o jobj) boolean(field string) bool {
	v, ok := o.m[field]
	if !ok || v == nil {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		o.pr.add(o.at(field), "must be true or false, got %s", jsonType(v))
	}
	return b
}

// number reads a JSON number (or, leniently, a numeric string as MISP writes).
func (o jobj) number(field string) (float64, bool) {
	v, ok := o.m[field]
	if !ok || v == nil {
		return 0, false
	}
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		o.pr.add(o.at(field), "must be a number, got %s", jsonType(v))
		return 0, false
	}
	var f float64
	if _, err := fmt.Sscanf(s, "%g", &f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(s, " \t") {
		o.pr.add(o.at(field), "must be a number, got %q", s)
		return 0, false
	}
	return f, true
}

// confidence reads a STIX confidence: an integer 0..100.
func (o jobj) confidence(field string) (float64, bool) {
	v, ok := o.m[field]
	if !ok || v == nil {
		return 0, false
	}
	n, isNum := v.(json.Number)
	i, err := n.Int64()
	if !isNum || err != nil || i < 0 || i > 100 {
		o.pr.add(o.at(field), "must be an integer 0..100, got %s", strictjson.Snippet(v))
		return 0, false
	}
	return float64(i) / 100, true
}

// timestamp reads an RFC 3339 timestamp.
func (o jobj) timestamp(field string) time.Time {
	s := o.str(field)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		o.pr.add(o.at(field), "must be an RFC 3339 timestamp such as 2021-07-19T00:00:00Z, got %q", s)
		return time.Time{}
	}
	return t.UTC()
}

func (o jobj) object(field string) (jobj, bool) {
	v, ok := o.m[field]
	if !ok || v == nil {
		return jobj{}, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		o.pr.add(o.at(field), "must be an object, got %s", jsonType(v))
		return jobj{}, false
	}
	return jobj{m: m, path: o.at(field), pr: o.pr}, true
}

func (o jobj) objects(field string) []jobj {
	v, ok := o.m[field]
	if !ok || v == nil {
		return nil
	}
	a, ok := v.([]any)
	if !ok {
		o.pr.add(o.at(field), "must be a list, got %s", jsonType(v))
		return nil
	}
	var out []jobj
	for i, x := range a {
		m, ok := x.(map[string]any)
		if !ok {
			o.pr.add(fmt.Sprintf("%s[%d]", o.at(field), i), "must be an object, got %s", jsonType(x))
			continue
		}
		out = append(out, jobj{m: m, path: fmt.Sprintf("%s[%d]", o.at(field), i), pr: o.pr})
	}
	return out
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
