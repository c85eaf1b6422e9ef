package schema

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
)

// response.go is the data of a response: objects whose fields keep the
// order of the request, as the specification's serialisation rules ask,
// written as JSON without encoding/json's reflection where it can be, and
// the rounding of every Float.

// orderedObject is a GraphQL response object whose fields keep their order.
type orderedObject struct {
	keys []string
	vals []any
}

// MarshalJSON writes the object, and everything under it, in order.
func (o *orderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeValue(&buf, o); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Get returns the value of a response key (for tests and in-process callers).
func (o *orderedObject) Get(key string) (any, bool) {
	for i, k := range o.keys {
		if k == key {
			return o.vals[i], true
		}
	}
	return nil, false
}

// encodeValue writes v as JSON: ordered objects field by field, lists
// element by element, anything else through encoding/json.
func encodeValue(buf *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *orderedObject:
		buf.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := encodeValue(buf, v.vals[i]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeValue(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case nil:
		buf.WriteString("null")
		return nil
	case string:
		writeString(buf, v)
		return nil
	case bool:
		buf.WriteString(strconv.FormatBool(v))
		return nil
	case int:
		buf.WriteString(strconv.Itoa(v))
		return nil
	}
	b, err := json.Marshal(v)
	buf.Write(b)
	return err
}

// writeString writes s as encoding/json writes a string, byte for byte:
// as it is between quotes when no byte needs escaping (printable ASCII
// other than the quote, the backslash and the HTML characters <, > and &
// that encoding/json escapes), else through encoding/json. Response keys
// and ids are nearly always of the first kind, and json.Marshal allocated
// for each of them.
func writeString(buf *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			buf.Write(b)
			return
		}
	}
	buf.WriteByte('"')
	buf.WriteString(s)
	buf.WriteByte('"')
}

// FloatDigits is the number of decimal places a Float is served with.
// Scores and confidences are computed in float64; served as they are they
// carry binary noise (0.45619200000000004). Four places keep every
// difference a score or a confidence can meaningfully show.
const FloatDigits = 4

// RoundFloat rounds x to FloatDigits decimal places: every Float of every
// response, and every exported number, goes through it.
func RoundFloat(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= 1e15 {
		return x
	}
	const scale = 1e4 // 10^FloatDigits
	r := math.Round(x*scale) / scale
	// math.Round(x*1e4)/1e4 is the float64 nearest to the decimal with
	// four places; strconv prints that one in its shortest form.
	return r
}
