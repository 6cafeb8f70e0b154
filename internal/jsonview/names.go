package jsonview

import (
	"encoding/json"
	"reflect"
	"strings"
)

// TypeName names, for a message, the JSON that encoding/json decodes into
// t: "string", "base64 string" ([]byte), "integer", "number", "boolean",
// "array", "object", or "JSON value" (json.RawMessage, any). Put an article
// before it with WithArticle.
func TypeName(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[[]byte]():
		return "base64 string"
	case reflect.TypeFor[json.RawMessage]():
		return "JSON value"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Interface:
		return "JSON value"
	}
	return "object"
}

// WithArticle puts "a" or "an" before name: "an integer", "a string".
func WithArticle(name string) string {
	if name != "" && strings.ContainsRune("aeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}
