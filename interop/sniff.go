package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// Formats Import reads.
const (
	FormatAuto       = "auto"
	FormatSTIX       = "stix"
	FormatMISPGalaxy = "misp-galaxy"
)

// SniffFormat tells a STIX file (a bundle, a TAXII envelope or one object)
// from a MISP galaxy cluster file; "" when it is neither.
func SniffFormat(data []byte) string {
	var head struct {
		Type   string          `json:"type"`
		ID     string          `json:"id"`
		Values json.RawMessage `json:"values"`
	}
	if json.Unmarshal(data, &head) == nil {
		switch {
		case head.Type == "bundle", head.Type != "" && head.ID != "":
			return FormatSTIX
		case head.Values != nil:
			return FormatMISPGalaxy
		}
	}
	if bytes.Contains(data, []byte(`"objects"`)) {
		return FormatSTIX // let the importer say what is wrong
	}
	return ""
}

// Import imports a file of format (FormatAuto: by its content) with
// ImportSTIX or ImportMISPGalaxy.
func Import(ctx context.Context, s Store, data []byte, format string, opt ImportOptions) (*Report, error) {
	if format == "" || format == FormatAuto {
		format = SniffFormat(data)
	}
	switch format {
	case FormatSTIX:
		return ImportSTIX(ctx, s, data, opt)
	case FormatMISPGalaxy:
		return ImportMISPGalaxy(ctx, s, data, opt)
	case "":
		return nil, &FileError{File: opt.Name, Problems: []Problem{{Path: "file", Msg: "neither a STIX bundle, envelope or object nor a MISP galaxy cluster file"}}}
	}
	return nil, fmt.Errorf("%w: unknown format %q (want stix or misp-galaxy)", errInvalid, format)
}
