package ecpaycrypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"unicode/utf8"
)

// Codec encrypts and decrypts ECPay Data with one HashKey and HashIV. Make it
// with New; it is safe for concurrent use by many goroutines, so one Codec per
// merchant is enough. The key and IV are kept in unexported fields and
// printing a Codec, with fmt or log/slog, shows only "ecpaycrypto.Codec{…}".
type Codec struct {
	block cipher.Block
	key   [aes.BlockSize]byte // for Redact only
	iv    [aes.BlockSize]byte
}

// New returns a Codec for the given HashKey and HashIV, whose raw bytes are
// the AES-128 key and the CBC IV. Each must be exactly 16 bytes; otherwise New
// returns a *KeySizeError (matching ErrKeySize or ErrIVSize with errors.Is),
// joined with errors.Join when both are wrong. The error gives the lengths,
// never the values.
func New(hashKey, hashIV string) (*Codec, error) {
	var errs []error
	if len(hashKey) != aes.BlockSize {
		errs = append(errs, &KeySizeError{Which: "HashKey", Len: len(hashKey)})
	}
	if len(hashIV) != aes.BlockSize {
		errs = append(errs, &KeySizeError{Which: "HashIV", Len: len(hashIV)})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	block, err := aes.NewCipher([]byte(hashKey))
	if err != nil {
		// aes.NewCipher accepts every 16-byte key; this only guards the contract.
		return nil, fmt.Errorf("ecpaycrypto: creating AES cipher: %w", err)
	}
	c := &Codec{block: block}
	copy(c.key[:], hashKey)
	copy(c.iv[:], hashIV)
	return c, nil
}

// Redact returns s with every occurrence of the Codec's HashKey and HashIV
// replaced by "[redacted]", for text from elsewhere (a server's error page,
// say) about to be shown or logged.
func (c *Codec) Redact(s string) string {
	if c == nil {
		return s
	}
	for _, secret := range [][aes.BlockSize]byte{c.key, c.iv} {
		s = strings.ReplaceAll(s, string(secret[:]), "[redacted]")
	}
	return s
}

// redacted is all a Codec shows of itself.
const redacted = "ecpaycrypto.Codec{…}"

// String returns "ecpaycrypto.Codec{…}": a Codec never prints its key or IV.
// String, Format and LogValue have value receivers so that a dereferenced
// Codec is as safe to print as a *Codec.
func (Codec) String() string { return redacted }

// Format implements fmt.Formatter so that every verb, including %+v, %#v and
// %x, prints what String returns.
func (Codec) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue implements slog.LogValuer so that log/slog handlers, including the
// JSON one, log what String returns.
func (Codec) LogValue() slog.Value { return slog.StringValue(redacted) }

// Encrypt returns the ECPay Data for plaintext: standard base64 of the
// AES-128-CBC encryption, with PKCS#7 padding, of the PHP urlencode form of
// plaintext. The result is byte-identical to ECPay's PHP SDK, that is
// base64_encode(openssl_encrypt(urlencode($s), 'AES-128-CBC', $key,
// OPENSSL_RAW_DATA, $iv)). Any bytes are accepted; empty plaintext gives one
// block of padding. The only error is ErrNoKey.
func (c *Codec) Encrypt(plaintext []byte) (string, error) {
	if c == nil || c.block == nil {
		return "", ErrNoKey
	}
	return c.encrypt(plaintext), nil
}

// Decrypt returns the plaintext of ECPay Data: it base64-decodes data,
// decrypts it with AES-128-CBC, checks and removes the PKCS#7 padding and
// applies PHP's urldecode, so lowercase hex and malformed '%' sequences are
// accepted as PHP accepts them. The result is a new slice, empty (not an
// error) for Data that encrypts empty plaintext. Errors match ErrEmptyData,
// ErrBase64, ErrBlockSize, ErrPadding or ErrNoKey with errors.Is; none of them
// contains the key, the IV or any plaintext. A wrong HashIV with the right
// HashKey garbles only the first 16 bytes of the plaintext, which Decrypt
// cannot detect; DecryptJSON usually does.
func (c *Codec) Decrypt(data string) ([]byte, error) {
	buf, plain, err := c.open(data)
	if err != nil {
		return nil, err
	}
	out := make([]byte, urlDecodedLen(plain))
	urlDecode(out, plain)
	putBuffer(buf)
	return out, nil
}

// EncryptJSON returns the ECPay Data for v marshalled by encoding/json, as
// ECPay's PHP SDK does with json_encode. Go's encoding differs from PHP's (raw
// UTF-8 instead of \uXXXX, '/' not escaped, "<>&" escaped); ECPay accepts
// both. A string in v that is not valid UTF-8 is an error matching
// ErrInvalidUTF8 instead of being replaced with U+FFFD. encoding/json writes
// the escape \ufffd in place of each invalid byte (and, in a field tagged
// ",string", that escape quoted again as \\ufffd), so EncryptJSON refuses any
// JSON containing the text \ufffd: a string holding those six characters, or
// a json.Marshaler writing them, is refused too. A U+FFFD character, which
// encoding/json writes as UTF-8, is accepted. The other errors are ErrNoKey
// and encoding/json's marshalling error, wrapped.
func (c *Codec) EncryptJSON(v any) (string, error) {
	if c == nil || c.block == nil {
		return "", ErrNoKey
	}
	js := jsonPool.Get().(*jsonBuffer)
	defer putJSONBuffer(js)
	if err := js.enc.Encode(v); err != nil {
		return "", fmt.Errorf("ecpaycrypto: marshalling the value to encrypt as JSON: %w", err)
	}
	b := bytes.TrimSuffix(js.buf.Bytes(), []byte{'\n'})
	if !utf8.Valid(b) || bytes.Contains(b, replacementEscape) {
		return "", errInvalidUTF8ToEncrypt
	}
	return c.encrypt(b), nil
}

// DecryptJSON decrypts data as Decrypt does and unmarshals the JSON into v,
// which must be a non-nil pointer, with encoding/json. Decrypted bytes that are
// not valid UTF-8 are an error matching ErrInvalidUTF8, and JSON that does not
// fit v an error matching ErrJSON that also wraps the encoding/json error;
// other errors are those of Decrypt. A wrong HashKey shows up as ErrPadding; a
// wrong HashIV alone garbles only the first 16 bytes, which usually shows up
// as ErrJSON or ErrInvalidUTF8. No error message quotes the plaintext.
func (c *Codec) DecryptJSON(data string, v any) error {
	buf, plain, err := c.open(data)
	if err != nil {
		return err
	}
	defer putBuffer(buf)
	plain = plain[:urlDecode(plain, plain)]
	if !utf8.Valid(plain) {
		return errInvalidUTF8Decrypted
	}
	return UnmarshalJSON(plain, v)
}

// UnmarshalJSON unmarshals decrypted plaintext into v with encoding/json, as
// DecryptJSON does, for callers that keep the plaintext (Decrypt, then this):
// an error matches ErrJSON and wraps encoding/json's, but its message, unlike
// encoding/json's, never quotes the plaintext.
func UnmarshalJSON(plaintext []byte, v any) error {
	if err := json.Unmarshal(plaintext, v); err != nil {
		return &jsonError{cause: err}
	}
	return nil
}

// encrypt urlencodes plaintext, pads and encrypts it in place in one pooled
// buffer, then base64-encodes into the rest of that buffer, so the returned
// string is the only allocation.
func (c *Codec) encrypt(plaintext []byte) string {
	n := urlEncodedLen(plaintext)
	padded := n + aes.BlockSize - n%aes.BlockSize
	buf := getBuffer(padded + base64.StdEncoding.EncodedLen(padded))
	urlEncode(*buf, plaintext)
	sealed := c.seal((*buf)[:padded], n)
	out := (*buf)[padded:]
	base64.StdEncoding.Encode(out, sealed)
	s := string(out)
	putBuffer(buf)
	return s
}

// seal PKCS#7-pads the n bytes of plaintext at the start of buf, whose length
// is the padded length, and encrypts buf in place with AES-CBC.
func (c *Codec) seal(buf []byte, n int) []byte {
	pad := byte(len(buf) - n)
	for i := n; i < len(buf); i++ {
		buf[i] = pad
	}
	prev := c.iv[:]
	for i := 0; i < len(buf); i += aes.BlockSize {
		b := buf[i : i+aes.BlockSize]
		xorBlock(b, prev)
		c.block.Encrypt(b, b)
		prev = b
	}
	return buf
}

// open base64-decodes data into a pooled buffer, decrypts it in place and
// returns the buffer (to give back with putBuffer) and the unpadded
// plaintext, still urlencoded, inside it.
func (c *Codec) open(data string) (*[]byte, []byte, error) {
	if c == nil || c.block == nil {
		return nil, nil, ErrNoKey
	}
	if data == "" {
		return nil, nil, ErrEmptyData
	}
	buf := getBuffer(base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(*buf, []byte(data))
	if err != nil {
		putBuffer(buf)
		return nil, nil, fmt.Errorf("%w (%w)", ErrBase64, err)
	}
	if n == 0 || n%aes.BlockSize != 0 {
		putBuffer(buf)
		return nil, nil, fmt.Errorf("%w (decoded length %d bytes)", ErrBlockSize, n)
	}
	b := (*buf)[:n]
	// Walking backwards lets each block be decrypted in place while the
	// ciphertext block before it, its CBC chaining value, is still intact.
	for i := n - aes.BlockSize; i >= 0; i -= aes.BlockSize {
		blk := b[i : i+aes.BlockSize]
		c.block.Decrypt(blk, blk)
		if i == 0 {
			xorBlock(blk, c.iv[:])
		} else {
			xorBlock(blk, b[i-aes.BlockSize:i])
		}
	}
	pad, ok := paddingLen(b)
	if !ok {
		putBuffer(buf)
		return nil, nil, ErrPadding
	}
	return buf, b[:n-pad], nil
}

// xorBlock sets dst[:16] to dst[:16] XOR src[:16] as two 64-bit words, which
// for one AES block is cheaper than subtle.XORBytes and its checks.
func xorBlock(dst, src []byte) {
	dst, src = dst[:aes.BlockSize], src[:aes.BlockSize]
	binary.NativeEndian.PutUint64(dst, binary.NativeEndian.Uint64(dst)^binary.NativeEndian.Uint64(src))
	binary.NativeEndian.PutUint64(dst[8:], binary.NativeEndian.Uint64(dst[8:])^binary.NativeEndian.Uint64(src[8:]))
}

// paddingLen returns the PKCS#7 padding length of b, whose length is a
// positive multiple of the block size, and whether every padding byte is
// right. It examines the whole last block without branching on its contents,
// so its timing says nothing about which byte was wrong. (Whether the padding
// was valid is still told by the error: Data has no MAC, so unauthenticated
// CBC cannot hide that from whoever sees Decrypt's errors.)
func paddingLen(b []byte) (int, bool) {
	last := b[len(b)-aes.BlockSize:]
	pad := int(last[aes.BlockSize-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, aes.BlockSize)
	for i, v := range last {
		inPadding := subtle.ConstantTimeLessOrEq(aes.BlockSize-i, pad)
		matches := subtle.ConstantTimeByteEq(v, byte(pad))
		good &= subtle.ConstantTimeSelect(inPadding, matches, 1)
	}
	return pad, good == 1
}

// replacementEscape is what encoding/json writes for a byte of invalid UTF-8
// in a string; it writes a real U+FFFD as UTF-8.
var replacementEscape = []byte(`\ufffd`)

// maxPooled caps the buffers kept for reuse so that one large message does
// not pin its memory in the pools.
const maxPooled = 64 << 10

var bufferPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// getBuffer returns a pooled buffer of length n.
func getBuffer(n int) *[]byte {
	buf := bufferPool.Get().(*[]byte)
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	*buf = (*buf)[:n]
	return buf
}

// putBuffer wipes the buffer, which held plaintext, and pools it again.
func putBuffer(buf *[]byte) {
	if cap(*buf) > maxPooled {
		return
	}
	clear(*buf)
	bufferPool.Put(buf)
}

// jsonBuffer pairs an encoder with the buffer it writes to, so EncryptJSON
// reuses both instead of allocating json.Marshal's result each call.
type jsonBuffer struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonPool = sync.Pool{New: func() any {
	js := new(jsonBuffer)
	js.enc = json.NewEncoder(&js.buf)
	return js
}}

// putJSONBuffer wipes the JSON, which was plaintext, and pools js again.
func putJSONBuffer(js *jsonBuffer) {
	if js.buf.Cap() > maxPooled {
		return
	}
	clear(js.buf.Bytes())
	js.buf.Reset()
	jsonPool.Put(js)
}
