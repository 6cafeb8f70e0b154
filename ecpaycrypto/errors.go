package ecpaycrypto

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrKeySize is matched by errors.Is when New is given a HashKey that is not
// exactly 16 bytes. The error itself is a *KeySizeError.
var ErrKeySize = errors.New("ecpaycrypto: HashKey must be exactly 16 bytes")

// ErrIVSize is matched by errors.Is when New is given a HashIV that is not
// exactly 16 bytes. The error itself is a *KeySizeError.
var ErrIVSize = errors.New("ecpaycrypto: HashIV must be exactly 16 bytes")

// KeySizeError reports a HashKey or HashIV of the wrong length. It carries the
// length only, never the value, so it is safe to log.
type KeySizeError struct {
	// Which is "HashKey" or "HashIV".
	Which string
	// Len is the length that was given, in bytes.
	Len int
}

// Error says which credential has which length and what to do about it.
func (e *KeySizeError) Error() string {
	return fmt.Sprintf("ecpaycrypto: %s is %d bytes, want exactly 16: copy the 16-character %s from ECPay's vendor console without surrounding spaces",
		e.Which, e.Len, e.Which)
}

// Unwrap returns ErrKeySize for a HashKey and ErrIVSize for a HashIV, so
// errors.Is can tell the two apart.
func (e *KeySizeError) Unwrap() error {
	if e.Which == "HashIV" {
		return ErrIVSize
	}
	return ErrKeySize
}

// ErrNoKey is returned by the methods of a Codec that was not made by New,
// such as a nil *Codec or a zero Codec{}.
var ErrNoKey = errors.New("ecpaycrypto: Codec has no key: create it with New(hashKey, hashIV)")

// ErrEmptyData is returned by Decrypt and DecryptJSON for an empty Data string.
// ECPay leaves Data empty when it rejects a request (TransCode is not 1), so
// check TransCode before decrypting. Empty plaintext never encrypts to an empty
// Data: it becomes one block of padding.
var ErrEmptyData = errors.New("ecpaycrypto: Data is empty: ECPay sends no Data when TransCode is not 1, so check TransCode before decrypting")

// ErrBase64 is matched by errors.Is when Data is not standard base64 (the
// alphabet with '+' and '/', padded with '='). The returned error also wraps
// the base64.CorruptInputError that says where decoding stopped.
var ErrBase64 = errors.New("ecpaycrypto: Data is not standard base64: pass the Data field exactly as received, with its '+', '/' and '=' intact")

// ErrBlockSize is matched by errors.Is when Data decodes to a length that is
// not a positive multiple of the 16-byte AES block.
var ErrBlockSize = errors.New("ecpaycrypto: Data is not a whole number of 16-byte AES blocks: it was truncated or not produced by ECPay")

// ErrPadding is returned when the decrypted Data does not end in valid PKCS#7
// padding, which almost always means a wrong HashKey (or, for Data of a single
// block, a wrong HashIV).
var ErrPadding = errors.New("ecpaycrypto: bad PKCS#7 padding after decryption: wrong HashKey/HashIV, or Data was not produced by ECPay")

// ErrInvalidUTF8 is matched by errors.Is when EncryptJSON is given a value
// holding a string that is not valid UTF-8, or when DecryptJSON decrypts to
// bytes that are not valid UTF-8. The returned error says which of the two.
var ErrInvalidUTF8 = errors.New("ecpaycrypto: invalid UTF-8")

// The two ErrInvalidUTF8 errors, with advice for the side that found the
// invalid bytes; the bytes themselves are never part of the message.
var (
	errInvalidUTF8ToEncrypt = fmt.Errorf("%w in a string of the value to encrypt: fix the input, since encoding/json would turn it into U+FFFD (and ECPay's PHP SDK would send an empty Data)", ErrInvalidUTF8)
	errInvalidUTF8Decrypted = fmt.Errorf("%w in decrypted Data: wrong HashKey/HashIV, or Data was not produced by ECPay", ErrInvalidUTF8)
)

// ErrJSON is matched by errors.Is when DecryptJSON decrypts Data that does not
// unmarshal into the given value. The error also wraps the encoding/json error
// (such as *json.SyntaxError or *json.UnmarshalTypeError) for errors.As, but
// its own message leaves out anything that could quote the plaintext.
var ErrJSON = errors.New("ecpaycrypto: decrypted Data does not unmarshal into the given value")

// jsonError carries an encoding/json error from DecryptJSON. Its message is
// built from the error's fields rather than its text, which may quote the
// plaintext (a number, a character, or a time string in an UnmarshalJSON
// error).
type jsonError struct{ cause error }

func (e *jsonError) Error() string {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		invalid *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(e.cause, &syntax):
		return fmt.Sprintf("%v: not valid JSON (syntax error at byte %d)", ErrJSON, syntax.Offset)
	case errors.As(e.cause, &typ):
		kind, _, _ := strings.Cut(typ.Value, " ") // "number 1.5" quotes the plaintext
		where := "the value"
		switch {
		case typ.Struct != "" && typ.Field != "":
			where = "field " + typ.Struct + "." + typ.Field
		case typ.Field != "":
			where = "field " + typ.Field
		}
		return fmt.Sprintf("%v: a JSON %s cannot be stored in %s of Go type %s", ErrJSON, kind, where, typ.Type)
	case errors.As(e.cause, &invalid):
		return fmt.Sprintf("%v: %v", ErrJSON, invalid)
	default:
		return fmt.Sprintf("%v: an UnmarshalJSON or UnmarshalText method returned %T (its text, which may quote the plaintext, is left out; see errors.Unwrap)", ErrJSON, e.cause)
	}
}

func (e *jsonError) Unwrap() []error { return []error{ErrJSON, e.cause} }
