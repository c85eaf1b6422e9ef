// Package strictjson decodes a document that must hold exactly one JSON
// value, and words what is wrong with it for the person who sent it: the
// line and column, never a Go type name. The server reads GraphQL requests
// with it and interop reads STIX bundles and MISP galaxies.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// An Error is a document that is not one well-formed JSON value of the
// expected shape.
type Error struct {
	Line, Column int    // 1-based position of the problem
	Msg          string // what is wrong, e.g. "data after the JSON value"
}

func (e *Error) Error() string { return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg) }

// Decode decodes data into v, as json.Unmarshal does, and fails when
// anything but white space follows the value.
func Decode(data []byte, v any) error { return decode(data, v, false) }

// DecodeNumbers is Decode keeping numbers exact: a number decoded into an
// interface value becomes a json.Number.
func DecodeNumbers(data []byte, v any) error { return decode(data, v, true) }

func decode(data []byte, v any, numbers bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if numbers {
		dec.UseNumber()
	}
	if err := dec.Decode(v); err != nil {
		return wordError(data, err)
	}
	off := int(dec.InputOffset())
	if rest := bytes.TrimLeft(data[off:], " \t\r\n"); len(rest) > 0 {
		return at(data, len(data)-len(rest), "data after the JSON value")
	}
	return nil
}

func wordError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return at(data, int(se.Offset)-1, "invalid JSON: "+se.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return at(data, len(data), "invalid JSON: unexpected end of input")
	case errors.As(err, &te):
		msg := fmt.Sprintf("a JSON %s where %s was expected", te.Value, kindName(te.Type))
		if te.Field != "" {
			msg = fmt.Sprintf("%q: %s", te.Field, msg)
		}
		return at(data, int(te.Offset), msg)
	}
	return &Error{Line: 1, Column: 1, Msg: "invalid JSON"}
}

// kindName names a Go type the way JSON would.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Interface:
		return "a value"
	case reflect.Pointer:
		return kindName(t.Elem())
	}
	return "a number"
}

func at(data []byte, off int, msg string) *Error {
	off = min(max(off, 0), len(data))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return &Error{Line: line, Column: col, Msg: msg}
}

// Snippet returns v as JSON cut to 60 bytes, for quoting a bad value in an
// error message.
func Snippet(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	s := string(b)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
