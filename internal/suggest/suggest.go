// Package suggest answers a name the commands do not know (an operation, a
// subcommand, a flag) with the closest one they do, so that a message can
// say "did you mean TriggerIssue?", and repeats the name given only when
// that cannot put a key into the output.
package suggest

import (
	"crypto/aes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Closest returns the candidate nearest to name, and true, when one is near
// enough to be what was meant: at most a third of its letters away (one
// letter for short names) by edit distance. Letters are compared without
// case, dashes and underscores, so "triggerissue" and "trigger-issue" are
// TriggerIssue, and "version" is --version. Of candidates equally near, the
// first wins.
func Closest(name string, candidates []string) (string, bool) {
	key := fold(name)
	best, bestDist := "", -1
	for _, c := range candidates {
		ck := fold(c)
		limit := max(1, len(ck)/3)
		if abs(len(key)-len(ck)) > limit {
			continue // too far, and a long name costs nothing
		}
		if d := Distance(key, ck); d <= limit && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best, bestDist >= 0
}

// keyLength is the length of an ECPay HashKey and HashIV: AES-128's key and
// IV, as ecpaycrypto.New requires them.
const keyLength = aes.BlockSize

// maxQuoted bounds the name Quote repeats.
const maxQuoted = 40

// Quote returns name quoted for a message about it, or "" when the name
// should not be repeated: a name of the length of a HashKey or HashIV that
// is near no candidate may be a key typed where the name goes, and a key
// must never reach the output. A long name is cut, with "…".
func Quote(name string, candidates []string) string {
	if len(name) == keyLength {
		if _, ok := Closest(name, candidates); !ok {
			return ""
		}
	}
	if len(name) > maxQuoted {
		cut := maxQuoted
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + "…"
	}
	return strconv.Quote(name)
}

// Unknown says that name is not one of known, kind being what it should
// have been ("operation", "subcommand"): `unknown operation "triggerissue":
// did you mean TriggerIssue?`, the name left out when Quote leaves it out,
// the question when no candidate is near.
func Unknown(kind, name string, known []string) string {
	msg := "unknown " + kind
	if q := Quote(name, known); q != "" {
		msg += " " + q
	}
	if c, ok := Closest(name, known); ok {
		msg += ": did you mean " + c + "?"
	}
	return msg
}

// fold is name as Closest compares it: lower case, without - and _.
func fold(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return -1
		}
		return r
	}, strings.ToLower(name))
}

// Distance returns the Levenshtein distance between a and b, in bytes: the
// fewest insertions, deletions and substitutions that make b of a.
func Distance(a, b string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
