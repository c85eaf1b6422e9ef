package interop

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// uuidV5 returns the RFC 9562 name-based (SHA-1) UUID of name in namespace ns.
func uuidV5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}

func formatUUID(u [16]byte) string {
	s := hex.EncodeToString(u[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

func mustParseUUID(s string) [16]byte {
	var u [16]byte
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		panic(fmt.Sprintf("bad uuid %q", s))
	}
	copy(u[:], b)
	return u
}

var (
	// nsURL is the RFC 9562 namespace for URLs.
	nsURL = mustParseUUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
	// nsBlurline is the namespace of the STIX ids Blurline mints: uuidv5(URL, EntityBase's origin).
	nsBlurline = mustParseUUID(uuidV5(nsURL, "https://w3id.org/blurline/"))
	// nsSCO is STIX 2.1's namespace for deterministic cyber-observable ids (section 2.9).
	nsSCO = mustParseUUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
)

// stixIDPattern is a STIX identifier: type--UUID (any version, as producers use v1 to v5).
var stixIDPattern = regexp.MustCompile(`^([a-z][a-z0-9-]*[a-z0-9])--([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`)

// splitSTIXID returns the type and UUID of a STIX identifier.
func splitSTIXID(id string) (typ, uuid string, ok bool) {
	m := stixIDPattern.FindStringSubmatch(id)
	if m == nil {
		return "", "", false
	}
	return m[1], strings.ToLower(m[2]), true
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
