package interop

// Confidence words: the ICD-203 estimative-language scale that MISP's
// estimative-language taxonomy encodes, mapped to the midpoint of each band.
var likelihood = map[string]float64{
	"almost-no-chance":    0.03,  // 1-5%
	"very-unlikely":       0.125, // 5-20%
	"unlikely":            0.325, // 20-45%
	"roughly-even-chance": 0.5,   // 45-55%
	"likely":              0.675, // 55-80%
	"very-likely":         0.875, // 80-95%
	"almost-certain":      0.97,  // 95-99%
}

const (
	// DefaultConfidence is given to a statement whose source states no
	// confidence: STIX "Med" (50), neither endorsed nor doubted.
	DefaultConfidence = 0.5
	// SponsorConfidence caps the confidence of a MISP
	// cfr-suspected-state-sponsor statement: "suspected" is a weak claim.
	SponsorConfidence = 0.3
)

// opinionConfidence maps a STIX 2.1 opinion (opinion-enum) onto the
// confidence of its assesses facts: how likely its author holds what it is
// about to be correct, by the estimative-language bands above
// (strongly-disagree very unlikely ... strongly-agree very likely).
var opinionConfidence = map[string]float64{
	"strongly-disagree": likelihood["very-unlikely"],
	"disagree":          likelihood["unlikely"],
	"neutral":           likelihood["roughly-even-chance"],
	"agree":             likelihood["likely"],
	"strongly-agree":    likelihood["very-likely"],
}

// opinionWords says an opinion's confidence in words.
var opinionWords = map[string]string{
	"strongly-disagree": "very unlikely",
	"disagree":          "unlikely",
	"neutral":           "as likely as not",
	"agree":             "likely",
	"strongly-agree":    "very likely",
}
