package ecpaycrypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	stageKey = "ejCk326UnaZWKisg"
	stageIV  = "q9jcZX8Ib9LM8wYk"
	otherKey = "7b53896b742849d3"
	otherIV  = "37a0ad3c6ffa428b"
)

func TestNewKeySize(t *testing.T) {
	sized := func(base string, n int) string { return strings.Repeat(base, 3)[:n] }
	tests := []struct {
		name    string
		key, iv string
		want    []error
		wantLen map[string]int
	}{
		{"key 0 bytes", "", stageIV, []error{ErrKeySize}, map[string]int{"HashKey": 0}},
		{"key 15 bytes", sized(stageKey, 15), stageIV, []error{ErrKeySize}, map[string]int{"HashKey": 15}},
		{"key 17 bytes", sized(stageKey, 17), stageIV, []error{ErrKeySize}, map[string]int{"HashKey": 17}},
		{"key 24 bytes, valid for AES-192", sized(stageKey, 24), stageIV, []error{ErrKeySize}, map[string]int{"HashKey": 24}},
		{"key 32 bytes, valid for AES-256", sized(stageKey, 32), stageIV, []error{ErrKeySize}, map[string]int{"HashKey": 32}},
		{"key of 16 characters but 48 bytes", "綠界科技綠界科技綠界科技綠界科技", stageIV, []error{ErrKeySize}, map[string]int{"HashKey": 48}},
		{"IV 0 bytes", stageKey, "", []error{ErrIVSize}, map[string]int{"HashIV": 0}},
		{"IV 15 bytes", stageKey, sized(stageIV, 15), []error{ErrIVSize}, map[string]int{"HashIV": 15}},
		{"IV 17 bytes", stageKey, sized(stageIV, 17), []error{ErrIVSize}, map[string]int{"HashIV": 17}},
		{"IV 24 bytes", stageKey, sized(stageIV, 24), []error{ErrIVSize}, map[string]int{"HashIV": 24}},
		{"IV 32 bytes", stageKey, sized(stageIV, 32), []error{ErrIVSize}, map[string]int{"HashIV": 32}},
		{"both wrong", sized(stageKey, 15), sized(stageIV, 17), []error{ErrKeySize, ErrIVSize}, map[string]int{"HashKey": 15, "HashIV": 17}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.key, tc.iv)
			if err == nil || c != nil {
				t.Fatalf("New = %v, %v; want nil and an error", c, err)
			}
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("errors.Is(%v, %v) = false", err, want)
				}
			}
			var kse *KeySizeError
			if !errors.As(err, &kse) {
				t.Fatalf("errors.As(%v, *KeySizeError) = false", err)
			}
			for which, n := range tc.wantLen {
				if want := fmt.Sprintf("%s is %d bytes", which, n); !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			assertNoSecrets(t, err.Error(), tc.key, tc.iv)
		})
	}
	if _, err := New(stageKey, stageIV); err != nil {
		t.Errorf("New with 16-byte key and IV: %v", err)
	}
}

// assertNoSecrets fails if msg contains any of secrets, or its hex or
// base64 form.
func assertNoSecrets(t *testing.T, msg string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) < 4 {
			continue // too short to tell from ordinary text
		}
		for _, form := range []string{s, s[:len(s)/2], s[len(s)/2:], hex.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte(s))} {
			if strings.Contains(msg, form) {
				t.Errorf("%q contains a secret (%q)", msg, form)
			}
		}
	}
}

// cbcRaw encrypts whole blocks b as they are, without urlencoding or
// padding, so tests can build Data with any padding they like.
func cbcRaw(t *testing.T, key, iv string, b []byte) string {
	t.Helper()
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(b)
	cipher.NewCBCEncrypter(block, []byte(iv)).CryptBlocks(out, out)
	return base64.StdEncoding.EncodeToString(out)
}

func TestDecryptErrors(t *testing.T) {
	const plaintext = `{"RtnCode":1,"RtnMsg":"SECRET-PLAINTEXT"}`
	c := mustNew(t, stageKey, stageIV)
	good, err := c.Encrypt([]byte(plaintext))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(good)
	block16 := func(last ...byte) []byte {
		b := bytes.Repeat([]byte("a"), 16-len(last))
		return append(b, last...)
	}
	tests := []struct {
		name string
		c    *Codec
		data string
		want error
	}{
		{"empty Data", c, "", ErrEmptyData},
		{"not base64", c, "not base64!", ErrBase64},
		{"base64 without padding", c, strings.TrimRight(good, "="), ErrBase64},
		{"URL-safe base64", c, "uvI4yrErM37XNQkXGAgRgJAgHn2t72jahaMZzYhWL1HmvH4WV18VJDP2i9pTbC-tby5nxVExLLFyAkbjbS2Dvg==", ErrBase64},
		{"only a newline", c, "\r\n", ErrBlockSize},
		{"3 bytes", c, "AAAA", ErrBlockSize},
		{"15 bytes", c, base64.StdEncoding.EncodeToString(raw[:15]), ErrBlockSize},
		{"17 bytes", c, base64.StdEncoding.EncodeToString(raw[:17]), ErrBlockSize},
		{"truncated by one block and a byte", c, base64.StdEncoding.EncodeToString(raw[:len(raw)-17]), ErrBlockSize},
		{"padding byte 0", c, cbcRaw(t, stageKey, stageIV, block16(0)), ErrPadding},
		{"padding byte 17", c, cbcRaw(t, stageKey, stageIV, block16(17)), ErrPadding},
		{"padding byte 0xff", c, cbcRaw(t, stageKey, stageIV, block16(0xff)), ErrPadding},
		{"padding 3 with one byte wrong", c, cbcRaw(t, stageKey, stageIV, block16(3, 2, 3)), ErrPadding},
		{"padding 16 with first byte wrong", c, cbcRaw(t, stageKey, stageIV, append([]byte{15}, bytes.Repeat([]byte{16}, 15)...)), ErrPadding},
		{"wrong key", mustNew(t, otherKey, stageIV), good, ErrPadding},
		{"wrong key and IV", mustNew(t, otherKey, otherIV), good, ErrPadding},
		{"nil Codec", nil, good, ErrNoKey},
		{"zero Codec", &Codec{}, good, ErrNoKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.Decrypt(tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decrypt = %q, %v; want error %v", got, err, tc.want)
			}
			if got != nil {
				t.Errorf("Decrypt returned %q with the error", got)
			}
			var v any
			if err := tc.c.DecryptJSON(tc.data, &v); !errors.Is(err, tc.want) {
				t.Errorf("DecryptJSON error = %v, want %v", err, tc.want)
			}
			assertNoSecrets(t, err.Error(), stageKey, stageIV, otherKey, otherIV, "SECRET-PLAINTEXT")
		})
	}
}

func TestBase64ErrorWrapsCorruptInput(t *testing.T) {
	_, err := mustNew(t, stageKey, stageIV).Decrypt("AAAA!AAA")
	var cie base64.CorruptInputError
	if !errors.Is(err, ErrBase64) || !errors.As(err, &cie) || cie != 4 {
		t.Fatalf("Decrypt error = %v, want ErrBase64 wrapping CorruptInputError(4)", err)
	}
}

func TestPaddingLen(t *testing.T) {
	block := func(tail ...byte) []byte { return append(bytes.Repeat([]byte{'x'}, 16-len(tail)), tail...) }
	tests := []struct {
		name    string
		b       []byte
		wantPad int
		wantOK  bool
	}{
		{"1", block(1), 1, true},
		{"2", block(2, 2), 2, true},
		{"15", append([]byte{'x'}, bytes.Repeat([]byte{15}, 15)...), 15, true},
		{"16", bytes.Repeat([]byte{16}, 16), 16, true},
		{"16 after a data block", append(block('y'), bytes.Repeat([]byte{16}, 16)...), 16, true},
		{"0", block(0), 0, false},
		{"17", block(17), 0, false},
		{"255", block(255), 0, false},
		{"2 with a 1 before", block(1, 2), 0, false},
		{"4 with a wrong byte inside", block(4, 4, 5, 4), 0, false},
		{"16 with a wrong first byte", append([]byte{1}, bytes.Repeat([]byte{16}, 15)...), 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pad, ok := paddingLen(tc.b)
			if ok != tc.wantOK || ok && pad != tc.wantPad {
				t.Errorf("paddingLen = %d, %v; want %d, %v", pad, ok, tc.wantPad, tc.wantOK)
			}
		})
	}
}

func TestEmptyPlaintext(t *testing.T) {
	c := mustNew(t, stageKey, stageIV)
	data, err := c.Encrypt(nil)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := base64.StdEncoding.DecodeString(data); len(raw) != 16 {
		t.Fatalf("Encrypt(nil) = %q, %d bytes; want one 16-byte block", data, len(raw))
	}
	got, err := c.Decrypt(data)
	if err != nil || len(got) != 0 {
		t.Fatalf("Decrypt(Encrypt(nil)) = %q, %v; want empty, nil", got, err)
	}
}

func TestZeroCodec(t *testing.T) {
	for name, c := range map[string]*Codec{"nil": nil, "zero": {}} {
		t.Run(name, func(t *testing.T) {
			if _, err := c.Encrypt([]byte("x")); !errors.Is(err, ErrNoKey) {
				t.Errorf("Encrypt error = %v, want ErrNoKey", err)
			}
			if _, err := c.EncryptJSON("x"); !errors.Is(err, ErrNoKey) {
				t.Errorf("EncryptJSON error = %v, want ErrNoKey", err)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	type item struct {
		ItemName  string
		ItemCount int
	}
	type request struct {
		MerchantID string
		Remark     string `json:",omitempty"`
		Items      []item
		Extra      map[string]any
	}
	c := mustNew(t, stageKey, stageIV)
	in := request{
		MerchantID: "2000132",
		Remark:     "A&B <tag> 100% ~!*()'/ 綠界 🧾 \u2028 \ufffd",
		Items:      []item{{"商品(一)", 1}},
		Extra:      map[string]any{"k": "v", "n": 1.5},
	}
	data, err := c.EncryptJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(in)
	if plain, err := c.Decrypt(data); err != nil || !bytes.Equal(plain, want) {
		t.Fatalf("Decrypt(EncryptJSON) = %s, %v; want json.Marshal output %s", plain, err, want)
	}
	var out request
	if err := c.DecryptJSON(data, &out); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(out) != fmt.Sprint(in) {
		t.Errorf("DecryptJSON = %+v, want %+v", out, in)
	}
}

func TestLargeJSONRoundTrip(t *testing.T) {
	c := mustNew(t, stageKey, stageIV)
	in := map[string]string{"Remark": strings.Repeat("綠界 ~ ", 20000)}
	data, err := c.EncryptJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]string
	if err := c.DecryptJSON(data, &out); err != nil || out["Remark"] != in["Remark"] {
		t.Fatalf("DecryptJSON(EncryptJSON(%d bytes)) = %d bytes, %v", len(in["Remark"]), len(out["Remark"]), err)
	}
}

func TestDecryptJSONResponseShapes(t *testing.T) {
	type response struct {
		RtnCode int
		RtnMsg  string
	}
	c := mustNew(t, stageKey, stageIV)
	tests := []struct {
		name  string
		plain string
		want  response
	}{
		{"Go encoding", `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`, response{1, "取消開立發票成功"}},
		{"PHP json_encode escapes", `{"RtnCode":1,"RtnMsg":"\u53d6\u6d88\/ok"}`, response{1, "取消/ok"}},
		{"spaces around", " \n{\"RtnCode\": 2, \"RtnMsg\": \"a b\"}\n", response{2, "a b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := c.Encrypt([]byte(tc.plain))
			if err != nil {
				t.Fatal(err)
			}
			var got response
			if err := c.DecryptJSON(data, &got); err != nil || got != tc.want {
				t.Errorf("DecryptJSON = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestDecryptJSONErrors(t *testing.T) {
	type response struct {
		RtnCode int
		RtnMsg  string
		When    time.Time
	}
	c := mustNew(t, stageKey, stageIV)
	encrypt := func(plain string) string {
		data, err := c.Encrypt([]byte(plain))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	wrongIV := mustNew(t, stageKey, otherIV)
	tests := []struct {
		name   string
		c      *Codec
		data   string
		v      any
		as     any
		wantIn string
	}{
		{"syntax error", c, encrypt(`{"RtnMsg":"SECRET-PLAINTEXT"}x`), &response{}, new(*json.SyntaxError), "syntax error at byte"},
		{"RtnCode as a string", c, encrypt(`{"RtnCode":"SECRET-PLAINTEXT"}`), &response{}, new(*json.UnmarshalTypeError), "a JSON string cannot be stored in field response.RtnCode of Go type int"},
		{"number in a string field", c, encrypt(`{"RtnMsg":98765.4321}`), &response{}, new(*json.UnmarshalTypeError), "a JSON number cannot be stored in field response.RtnMsg of Go type string"},
		{"bad time from UnmarshalJSON", c, encrypt(`{"When":"SECRET-PLAINTEXT"}`), &response{}, new(*time.ParseError), "*time.ParseError"},
		{"top-level type mismatch", c, encrypt(`"SECRET-PLAINTEXT"`), new(int), new(*json.UnmarshalTypeError), "a JSON string cannot be stored in the value of Go type int"},
		{"field of an unnamed struct", c, encrypt(`{"N":true}`), &struct{ N int }{}, new(*json.UnmarshalTypeError), "a JSON bool cannot be stored in field N of Go type int"},
		{"not a pointer", c, encrypt(`{}`), response{}, new(*json.InvalidUnmarshalError), "non-pointer"},
		{"wrong IV garbles the first block", wrongIV, encrypt(`{"RtnCode":1,"RtnMsg":"SECRET-PLAINTEXT"}`), &response{}, new(*json.SyntaxError), "syntax error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.DecryptJSON(tc.data, tc.v)
			if !errors.Is(err, ErrJSON) {
				t.Fatalf("DecryptJSON = %v, want ErrJSON", err)
			}
			if !errors.As(err, tc.as) {
				t.Errorf("errors.As(%v, %T) = false", err, tc.as)
			}
			if !strings.Contains(err.Error(), tc.wantIn) {
				t.Errorf("error %q does not say %q", err, tc.wantIn)
			}
			assertNoSecrets(t, err.Error(), "SECRET-PLAINTEXT", "98765", stageKey, stageIV, otherIV)
		})
	}
}

// TestEncodingJSONMarksInvalidUTF8 pins the encoding/json behaviour that
// EncryptJSON relies on to find invalid UTF-8: the escape \ufffd for an
// invalid byte, raw UTF-8 for a real U+FFFD. If it fails, the Go release
// changed encoding/json (for example GOEXPERIMENT=jsonv2) and EncryptJSON's
// check must be revisited.
func TestEncodingJSONMarksInvalidUTF8(t *testing.T) {
	for in, want := range map[string]string{"\xff": `"\ufffd"`, "\ufffd": "\"\ufffd\""} {
		if got, err := json.Marshal(in); err != nil || string(got) != want {
			t.Errorf("json.Marshal(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	type request struct {
		MerchantID string
		Remark     string
	}
	c := mustNew(t, stageKey, stageIV)
	invalid := map[string]any{
		"struct field":        request{MerchantID: "2000132", Remark: "\xff"},
		"pointer to struct":   &request{Remark: "ok \xc3( bad"},
		"plain string":        "\xff",
		"truncated rune":      "發票"[:4],
		"surrogate half":      "\xed\xa0\x80",
		"map key":             map[string]int{"\xfe": 1},
		"nested in slice":     []any{"ok", []string{"x\xffy"}},
		"raw bytes in RawMsg": json.RawMessage("\"\xff\""),
		"field tagged string": struct {
			S string `json:",string"`
		}{"a\xff"},
		// Indistinguishable from what encoding/json writes for a bad byte.
		"the text \\ufffd": request{Remark: `\ufffd`},
	}
	for name, v := range invalid {
		t.Run("encrypt/"+name, func(t *testing.T) {
			data, err := c.EncryptJSON(v)
			if !errors.Is(err, ErrInvalidUTF8) {
				t.Fatalf("EncryptJSON = %q, %v; want ErrInvalidUTF8", data, err)
			}
			if data != "" {
				t.Errorf("EncryptJSON returned Data %q with the error", data)
			}
		})
	}
	valid := map[string]any{
		"real U+FFFD":      request{Remark: "\ufffd"},
		"the text \\uFFFD": request{Remark: `\uFFFD`},
		"bytes are base64": struct{ B []byte }{[]byte{0xff}},
		"U+2028 escaped":   "\u2028",
	}
	for name, v := range valid {
		t.Run("encrypt valid/"+name, func(t *testing.T) {
			data, err := c.EncryptJSON(v)
			if err != nil {
				t.Fatalf("EncryptJSON: %v", err)
			}
			want, _ := json.Marshal(v)
			if plain, err := c.Decrypt(data); err != nil || !bytes.Equal(plain, want) {
				t.Errorf("Decrypt(EncryptJSON) = %s, %v; want %s", plain, err, want)
			}
		})
	}

	decrypted := map[string]string{
		"percent-encoded 0xff":  `{"RtnMsg":"%FF"}`,
		"raw 0xff":              "{\"RtnMsg\":\"\xff\"}",
		"lowercase %c3%28":      `{"RtnMsg":"%c3%28"}`,
		"raw invalid, no JSON":  "\xfe\xfe",
		"percent-encoded alone": "%ff",
	}
	for name, plain := range decrypted {
		t.Run("decrypt/"+name, func(t *testing.T) {
			data := sealRaw(c, []byte(plain))
			if _, err := c.Decrypt(data); err != nil {
				t.Errorf("Decrypt, which returns bytes as they are: %v", err)
			}
			var v any
			err := c.DecryptJSON(data, &v)
			if !errors.Is(err, ErrInvalidUTF8) {
				t.Fatalf("DecryptJSON = %v, %v; want ErrInvalidUTF8", v, err)
			}
			if v != nil {
				t.Errorf("DecryptJSON set %v", v)
			}
		})
	}

}

func TestJSONMarshalError(t *testing.T) {
	_, err := mustNew(t, stageKey, stageIV).EncryptJSON(func() {})
	var unsupported *json.UnsupportedTypeError
	if !errors.As(err, &unsupported) {
		t.Fatalf("EncryptJSON(func) = %v, want a wrapped *json.UnsupportedTypeError", err)
	}
}

func TestCodecNeverPrintsSecrets(t *testing.T) {
	c := mustNew(t, stageKey, stageIV)
	const want = "ecpaycrypto.Codec{…}"
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		outputs = append(outputs, fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c))
		if verb != "%T" {
			if got := fmt.Sprintf(verb, c); got != want {
				t.Errorf("Sprintf(%q, c) = %q, want %q", verb, got, want)
			}
		}
	}
	outputs = append(outputs, fmt.Sprint(c), fmt.Sprintln(*c), c.String(), fmt.Sprintf("%v", []*Codec{c}),
		fmt.Sprintf("%+v", struct{ C *Codec }{c}), fmt.Sprintf("%+v", struct{ C Codec }{*c}))
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("codec", "c", c, "v", *c)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("codec", "c", c, "v", *c)
	if !strings.Contains(logs.String(), want) {
		t.Errorf("slog output %q does not show %q", logs.String(), want)
	}
	outputs = append(outputs, logs.String())
	for _, out := range outputs {
		assertNoSecrets(t, out, stageKey, stageIV)
	}
	if got := fmt.Sprint((*Codec)(nil)); got != "<nil>" {
		t.Errorf("Sprint(nil *Codec) = %q, want <nil>", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	c := mustNew(t, stageKey, stageIV)
	const goroutines, rounds = 16, 200
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range rounds {
				plain := []byte(fmt.Sprintf(`{"G":%d,"I":%d,"Msg":"發票 %s"}`, g, i, strings.Repeat("~", i%40)))
				data, err := c.Encrypt(plain)
				if err != nil {
					errs <- err
					return
				}
				want, err := baselineEncrypt(stageKey, stageIV, plain)
				if err != nil || data != want {
					errs <- fmt.Errorf("goroutine %d round %d: Encrypt = %q, want %q (%v)", g, i, data, want, err)
					return
				}
				got, err := c.Decrypt(data)
				if err != nil || !bytes.Equal(got, plain) {
					errs <- fmt.Errorf("goroutine %d round %d: Decrypt = %q, %v; want %q", g, i, got, err, plain)
					return
				}
				var v struct{ G, I int }
				if err := c.DecryptJSON(data, &v); err != nil || v.G != g || v.I != i {
					errs <- fmt.Errorf("goroutine %d round %d: DecryptJSON = %+v, %v", g, i, v, err)
					return
				}
				if _, err := c.EncryptJSON(v); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestURLEncodeReturnsInputWhenNothingToEscape(t *testing.T) {
	for _, s := range []string{"", "abcXYZ019-_.", "2000132"} {
		if got := URLEncode(s); got != s {
			t.Errorf("URLEncode(%q) = %q", s, got)
		}
		if got := URLDecode(s); got != s {
			t.Errorf("URLDecode(%q) = %q", s, got)
		}
	}
	if got := URLEncode("a b~"); got != "a+b%7E" {
		t.Errorf(`URLEncode("a b~") = %q, want "a+b%%7E"`, got)
	}
}
