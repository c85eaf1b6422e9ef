package blur

import "github.com/blurline/blurline"

// Step says which way a fact may be walked on an evidence path, which runs
// from the state towards the actor: from the end that holds power to the
// end that acts for it.
type Step int

const (
	// Never: the predicate cannot appear on a path.
	Never Step = iota
	// ObjectToSubject: walk from the fact's object to its subject
	// (MSS partOf PRC walks PRC -> MSS).
	ObjectToSubject
	// SubjectToObject: walk from the fact's subject to its object
	// (Powerock employs Xu walks Powerock -> Xu).
	SubjectToObject
	// BothWays: the relation is symmetric enough to be walked either way.
	BothWays
)

// String names a step as docs/blur.md does.
func (s Step) String() string {
	switch s {
	case ObjectToSubject:
		return "object -> subject"
	case SubjectToObject:
		return "subject -> object"
	case BothWays:
		return "both ways"
	}
	return "never"
}

// steps is the direction table. Predicates not listed are never walked:
// behaviour and response predicates say what an actor did or what was done
// about it, not who answers to whom; locatedAt and originatesFrom are
// geography (a state's territory is Healey's level 0-2 question, not a
// chain of command); partyTo binds states to agreements; relatedTo has no
// direction and no meaning to weigh.
var steps = map[blurline.Predicate]Step{
	// Structural.
	blurline.PartOf:           ObjectToSubject, // MSS partOf PRC: the whole directs its part
	blurline.RegionalBureauOf: ObjectToSubject, // HSSD regionalBureauOf MSS
	blurline.FrontCompanyOf:   ObjectToSubject, // Hainan Xiandun frontCompanyOf HSSD
	blurline.Employs:          SubjectToObject, // Powerock employs Xu: the employee acts for the employer
	blurline.MemberOf:         SubjectToObject, // Xu memberOf HAFNIUM: a tasked member carries the tie into the group
	blurline.OfficerOf:        BothWays,        // an officer acts for the organisation and directs it
	blurline.AffiliatedWith:   BothWays,        // a loose, symmetric affiliation
	blurline.HoldsStakeIn:     SubjectToObject, // the owner controls what it holds
	// Control: the subject is tasked or sponsored by the object.
	blurline.TaskedBy:    ObjectToSubject,
	blurline.SponsoredBy: ObjectToSubject,
	// Attribution: the subject's activity is attributed to the object.
	blurline.AttributedTo: ObjectToSubject,
}

// StepOf returns how a predicate is walked on an evidence path.
func StepOf(p blurline.Predicate) Step { return steps[p] }

// IsControl reports whether p is a control predicate (taskedBy,
// sponsoredBy): the facts that carry a Healey level, one of which every
// evidence path needs.
func IsControl(p blurline.Predicate) bool { return p.Kind() == blurline.Control }
