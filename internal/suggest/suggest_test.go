package suggest

import (
	"strings"
	"testing"
)

func TestUnknown(t *testing.T) {
	known := []string{"call", "trigger-issue", "validate", "--version", "--help"}
	ops := []string{"CancelDelayIssue", "TriggerIssue"}
	tests := map[string]struct {
		kind, name string
		known      []string
		want       string
	}{
		"case only":                {"operation", "triggerissue", ops, `unknown operation "triggerissue": did you mean TriggerIssue?`},
		"kebab case":               {"operation", "trigger-isue", ops, `unknown operation "trigger-isue": did you mean TriggerIssue?`},
		"a typo":                   {"operation", "TrigerIssue", ops, `unknown operation "TrigerIssue": did you mean TriggerIssue?`},
		"nothing near":             {"operation", "Invalid", ops, `unknown operation "Invalid"`},
		"a flag as a subcommand":   {"subcommand", "version", known, `unknown subcommand "version": did you mean --version?`},
		"a subcommand's typo":      {"subcommand", "valdate", known, `unknown subcommand "valdate": did you mean validate?`},
		"a key-sized name":         {"operation", "ejCk326UnaZWKisg", ops, `unknown operation`},
		"a key-sized name near":    {"operation", "canceldelayissue", ops, `unknown operation "canceldelayissue": did you mean CancelDelayIssue?`},
		"control characters":       {"subcommand", "a\x1b[2Jb\n", known, `unknown subcommand "a\x1b[2Jb\n"`},
		"a long name is cut":       {"subcommand", strings.Repeat("x", 100), known, `unknown subcommand "` + strings.Repeat("x", 40) + `…"`},
		"a short name needs close": {"subcommand", "cal", known, `unknown subcommand "cal": did you mean call?`},
		"two letters off is far":   {"subcommand", "cx", known, `unknown subcommand "cx"`},
		"no candidates":            {"operation", "X", nil, `unknown operation "X"`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Unknown(tt.kind, tt.name, tt.known); got != tt.want {
				t.Errorf("Unknown(%q, %q) = %q, want %q", tt.kind, tt.name, got, tt.want)
			}
		})
	}
}

func TestClosestPrefersTheNearestThenTheFirst(t *testing.T) {
	tests := map[string]struct {
		name       string
		candidates []string
		want       string
	}{
		"nearest wins":       {"abcdef", []string{"abcxyz", "abcdeg"}, "abcdeg"},
		"first of equals":    {"abcdef", []string{"abcdeg", "abcdeh"}, "abcdeg"},
		"exact beats a typo": {"help", []string{"helo", "--help"}, "--help"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got, ok := Closest(tt.name, tt.candidates); !ok || got != tt.want {
				t.Errorf("Closest(%q) = %q, %t; want %q", tt.name, got, ok, tt.want)
			}
		})
	}
}
