package violation

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Sentence says v in plain English for a person to act on: what is at
// fault, called name (e.g. "Tsr"), which rule of the page it breaks and
// what to do, e.g. "Tsr is too long: the page allows at most 30
// characters; shorten it". A rule it does not know is named with
// kin-openapi's reason. Like v, it never holds the value at fault.
func (v Violation) Sentence(name string) string {
	reason := v.Reason
	after := func(prefix string) (string, bool) { return strings.CutPrefix(reason, prefix) }
	switch v.Rule {
	case "required":
		if prop, ok := quotedProperty(reason, "property ", " is missing"); ok {
			return fmt.Sprintf("%s is required (必填) but missing; give it", prop)
		}
	case "maxLength":
		if n, ok := after("maximum string length is "); ok {
			return fmt.Sprintf("%s is too long: the page allows at most %s characters; shorten it", name, n)
		}
	case "minLength":
		if n, ok := after("minimum string length is "); ok {
			if n == "1" {
				return fmt.Sprintf("%s is empty, but the page requires a value; give one", name)
			}
			return fmt.Sprintf("%s is too short: the page wants at least %s characters", name, n)
		}
	case "enum":
		if list, ok := after("value is not one of the allowed values "); ok {
			return fmt.Sprintf("%s is not one of the allowed values: %s; give one of them", name, allowed(list))
		}
	case "pattern":
		if re, ok := after("string doesn't match the regular expression "); ok {
			return fmt.Sprintf("%s does not match the page's pattern %s", name, re)
		}
	case "additionalProperties", "properties":
		if prop, ok := quotedProperty(reason, "property ", " is unsupported"); ok {
			return fmt.Sprintf("%s is not a member the page declares; leave it out", prop)
		}
	}
	// kin-openapi's "value must be a string", "number must be at least 1".
	for _, subject := range []string{"value ", "number ", "string "} {
		if rest, ok := after(subject); ok && strings.HasPrefix(rest, "must ") {
			return name + " " + rest
		}
	}
	switch {
	case reason == "":
		return fmt.Sprintf("%s does not match the page", name)
	case v.Rule == "":
		return fmt.Sprintf("%s does not match the page: %s", name, reason)
	}
	return fmt.Sprintf("%s does not meet the page's %s rule: %s", name, v.Rule, reason)
}

// quotedProperty returns the name quoted between prefix and suffix in
// reason, as kin-openapi writes `property "X" is missing`.
func quotedProperty(reason, prefix, suffix string) (string, bool) {
	rest, ok := strings.CutPrefix(reason, prefix)
	if !ok {
		return "", false
	}
	quoted, ok := strings.CutSuffix(rest, suffix)
	if !ok {
		return "", false
	}
	var name string
	if json.Unmarshal([]byte(quoted), &name) != nil {
		return "", false
	}
	return name, true
}

// allowed lists an enum as kin-openapi gives it (a JSON array) with its
// values comma-separated, e.g. `"1", "2"`; anything else as it came.
func allowed(list string) string {
	var values []json.RawMessage
	if json.Unmarshal([]byte(list), &values) != nil || len(values) == 0 {
		return list
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return strings.Join(out, ", ")
}
