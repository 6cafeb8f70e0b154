package ecpaycrypto

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// phpVectors is testdata/php_vectors.json, written by PHP running
// testdata/gen_vectors.php; see testdata/README.md.
type phpVectors struct {
	PHPVersion     string `json:"php_version"`
	OpenSSLVersion string `json:"openssl_version"`
	Keys           []struct {
		Name string `json:"name"`
		Key  string `json:"key"`
		IV   string `json:"iv"`
	} `json:"keys"`
	Encrypt []struct {
		Name       string `json:"name"`
		Key        string `json:"key"`
		InputHex   string `json:"input_hex"`
		URLEncoded string `json:"urlencoded"`
		Data       string `json:"data"`
	} `json:"encrypt"`
	URLDecode []struct {
		InputHex  string `json:"input_hex"`
		OutputHex string `json:"output_hex"`
	} `json:"urldecode"`
	Decrypt []struct {
		Name      string `json:"name"`
		Key       string `json:"key"`
		Data      string `json:"data"`
		OutputHex string `json:"output_hex"`
	} `json:"decrypt"`
}

func loadPHPVectors(t testing.TB) *phpVectors {
	t.Helper()
	raw, err := os.ReadFile("testdata/php_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v phpVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if v.PHPVersion == "" || len(v.Keys) < 2 || len(v.Encrypt) == 0 || len(v.URLDecode) == 0 || len(v.Decrypt) == 0 {
		t.Fatal("testdata/php_vectors.json is incomplete; regenerate it (see testdata/README.md)")
	}
	return &v
}

// codecs returns a Codec for each key pair of the vectors, by name.
func (v *phpVectors) codecs(t testing.TB) map[string]*Codec {
	t.Helper()
	m := make(map[string]*Codec)
	for _, k := range v.Keys {
		m[k.Name] = mustNew(t, k.Key, k.IV)
	}
	return m
}

func mustNew(t testing.TB, key, iv string) *Codec {
	t.Helper()
	c, err := New(key, iv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// short names an input in a failure message without printing 64 KiB.
func short(b []byte) string {
	if len(b) > 64 {
		return fmt.Sprintf("%q… (%d bytes)", b[:64], len(b))
	}
	return fmt.Sprintf("%q", b)
}

func TestPHPVectors(t *testing.T) {
	v := loadPHPVectors(t)
	t.Logf("vectors from PHP %s, %s", v.PHPVersion, v.OpenSSLVersion)
	codecs := v.codecs(t)

	for _, tc := range v.Encrypt {
		t.Run("encrypt/"+tc.Key+"/"+tc.Name, func(t *testing.T) {
			c := codecs[tc.Key]
			in := mustHex(t, tc.InputHex)
			if got := URLEncode(string(in)); got != tc.URLEncoded {
				t.Errorf("URLEncode(%s) = %q, PHP urlencode = %q", short(in), got, tc.URLEncoded)
			}
			if got := URLDecode(tc.URLEncoded); got != string(in) {
				t.Errorf("URLDecode(%q) = %s, want %s", tc.URLEncoded, short([]byte(got)), short(in))
			}
			got, err := c.Encrypt(in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.Data {
				t.Errorf("Encrypt(%s) = %q, PHP = %q", short(in), got, tc.Data)
			}
			plain, err := c.Decrypt(tc.Data)
			if err != nil {
				t.Fatalf("Decrypt(PHP Data of %s): %v", short(in), err)
			}
			if !bytes.Equal(plain, in) {
				t.Errorf("Decrypt(PHP Data) = %s, want %s", short(plain), short(in))
			}
		})
	}

	for _, tc := range v.URLDecode {
		in, want := mustHex(t, tc.InputHex), mustHex(t, tc.OutputHex)
		t.Run(fmt.Sprintf("urldecode/%q", in), func(t *testing.T) {
			if got := URLDecode(string(in)); got != string(want) {
				t.Errorf("URLDecode(%q) = %q, PHP urldecode = %q", in, got, want)
			}
			if n := urlDecodedLen(in); n != len(want) {
				t.Errorf("urlDecodedLen(%q) = %d, want %d", in, n, len(want))
			}
		})
	}

	for _, tc := range v.Decrypt {
		t.Run("decrypt/"+tc.Key+"/"+tc.Name, func(t *testing.T) {
			want := mustHex(t, tc.OutputHex)
			got, err := codecs[tc.Key].Decrypt(tc.Data)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Decrypt = %q, PHP = %q", got, want)
			}
		})
	}
}

// sealRaw encrypts b exactly as given, skipping URLEncode, the way a client
// with another URL encoder (such as .NET's lowercase one) builds Data.
func sealRaw(c *Codec, b []byte) string {
	padded := len(b) + 16 - len(b)%16
	buf := make([]byte, padded)
	copy(buf, b)
	return base64.StdEncoding.EncodeToString(c.seal(buf, len(b)))
}

// lowerHex rewrites the %XX escapes of s in lowercase, as .NET's
// HttpUtility.UrlEncode writes them.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] != '%' {
			continue
		}
		for _, j := range []int{i + 1, i + 2} {
			if b[j] >= 'A' && b[j] <= 'F' {
				b[j] += 'a' - 'A'
			}
		}
		i += 2
	}
	return string(b)
}

// TestECPayPublishedExamples checks the Data values quoted on ECPay's pages
// and in ECPay's own test vectors.
func TestECPayPublishedExamples(t *testing.T) {
	tests := []struct {
		name      string
		key, iv   string
		plaintext string
		lowerHex  bool
		data      string
	}{
		{
			name: "stage key, uppercase hex", key: "ejCk326UnaZWKisg", iv: "q9jcZX8Ib9LM8wYk",
			plaintext: `{"Name":"Test","ID":"A123456789"}`,
			data:      "uvI4yrErM37XNQkXGAgRgJAgHn2t72jahaMZzYhWL1HmvH4WV18VJDP2i9pTbC+tby5nxVExLLFyAkbjbS2Dvg==",
		},
		{
			name: "stage key, lowercase hex", key: "ejCk326UnaZWKisg", iv: "q9jcZX8Ib9LM8wYk",
			plaintext: `{"Name":"Test","ID":"A123456789"}`, lowerHex: true,
			data: "ZD/z07UvdmL3aYz0tsVo+bFXF5VldNcns6ezyfea777KOmLiizrUNDYe+v1bh2QTT4AySf1NICgXxWXB6f7c6A==",
		},
		{
			name: "second key, uppercase hex", key: "7b53896b742849d3", iv: "37a0ad3c6ffa428b",
			plaintext: `{"Name":"Test","ID":"A123456789"}`,
			data:      "oxmUqzelA4koGRQ+myZggW5qNqlVdytGJadngOuWA7jd1Fakpay72J/w5IXLIINqCYcmx7gLsaednuH54LjffA==",
		},
		{
			name: "barcode with slash", key: "ejCk326UnaZWKisg", iv: "q9jcZX8Ib9LM8wYk",
			plaintext: `{"MerchantID":"2000132","BarCode":"/1234567"}`,
			data:      "XeEOdHpTRvxKEqs/JD9RSd16s7VtpyWVCN6AV44pKTW3DVa6yI7vKmjBRp2eulDhXoru/qBqFDBH3fEqlkMn3bbJfJBfGAq+v+SvttutYnc=",
		},
		{
			name: "urlencoded 32 bytes, full padding block", key: "ejCk326UnaZWKisg", iv: "q9jcZX8Ib9LM8wYk",
			plaintext: `{"N":"1234567890"}`,
			data:      "gVwWJnIpl1m3ZDypcRAjiCctilYnQhHn4h8OzJP5IxQPov7HuysXX+jPONvrHS7Z",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, tc.key, tc.iv)
			var got string
			if tc.lowerHex {
				got = sealRaw(c, []byte(lowerHex(URLEncode(tc.plaintext))))
			} else {
				var err error
				if got, err = c.Encrypt([]byte(tc.plaintext)); err != nil {
					t.Fatal(err)
				}
			}
			if got != tc.data {
				t.Errorf("Data = %q, ECPay published %q", got, tc.data)
			}
			plain, err := c.Decrypt(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if string(plain) != tc.plaintext {
				t.Errorf("Decrypt = %q, want %q", plain, tc.plaintext)
			}
		})
	}
}
