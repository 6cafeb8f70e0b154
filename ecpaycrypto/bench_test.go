package ecpaycrypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// The baselines are the straightforward way to write the codec with the
// standard library: a new cipher and CBC mode per call, url.QueryEscape with
// PHP's '~' fixed up (or url.QueryUnescape), base64.StdEncoding and, for the
// JSON pipelines, json.Marshal and json.Unmarshal. The benchmarks run them
// beside the Codec so that ratios come from the same run; the fuzz targets use
// them as a second implementation to compare against.

func baselineEncrypt(key, iv string, plaintext []byte) (string, error) {
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		return "", err
	}
	encoded := strings.ReplaceAll(url.QueryEscape(string(plaintext)), "~", "%7E")
	pad := aes.BlockSize - len(encoded)%aes.BlockSize
	buf := append([]byte(encoded), bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, []byte(iv)).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

func baselineDecrypt(key, iv, data string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, errors.New("baseline: not whole blocks")
	}
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		return nil, err
	}
	cipher.NewCBCDecrypter(block, []byte(iv)).CryptBlocks(raw, raw)
	pad := int(raw[len(raw)-1])
	if pad < 1 || pad > aes.BlockSize {
		return nil, errors.New("baseline: bad padding")
	}
	for _, b := range raw[len(raw)-pad:] {
		if int(b) != pad {
			return nil, errors.New("baseline: bad padding")
		}
	}
	s, err := url.QueryUnescape(string(raw[:len(raw)-pad]))
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

func baselineEncryptJSON(key, iv string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return baselineEncrypt(key, iv, b)
}

func baselineDecryptJSON(key, iv, data string, v any) error {
	b, err := baselineDecrypt(key, iv, data)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

const (
	benchKey      = "ejCk326UnaZWKisg"
	benchIV       = "q9jcZX8Ib9LM8wYk"
	benchRequest  = `{"MerchantID":"2000132","Tsr":"201909170001"}`
	benchResponse = `{"RtnCode":1,"RtnMsg":"取消開立發票成功"}`
)

type benchRequestBody struct {
	MerchantID string
	Tsr        string
}

type benchResponseBody struct {
	RtnCode int
	RtnMsg  string
}

func benchCodec(b *testing.B) *Codec {
	b.Helper()
	c, err := New(benchKey, benchIV)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func benchResponseData(b *testing.B) string {
	b.Helper()
	data, err := benchCodec(b).Encrypt([]byte(benchResponse))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkEncrypt(b *testing.B) {
	plaintext := []byte(benchRequest)
	b.Run("impl=codec", func(b *testing.B) {
		c := benchCodec(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Encrypt(plaintext); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := baselineEncrypt(benchKey, benchIV, plaintext); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecrypt(b *testing.B) {
	data := benchResponseData(b)
	b.Run("impl=codec", func(b *testing.B) {
		c := benchCodec(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Decrypt(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := baselineDecrypt(benchKey, benchIV, data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncryptJSON(b *testing.B) {
	req := &benchRequestBody{MerchantID: "2000132", Tsr: "201909170001"}
	b.Run("impl=codec", func(b *testing.B) {
		c := benchCodec(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.EncryptJSON(req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := baselineEncryptJSON(benchKey, benchIV, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecryptJSON(b *testing.B) {
	data := benchResponseData(b)
	b.Run("impl=codec", func(b *testing.B) {
		c := benchCodec(b)
		b.ReportAllocs()
		for b.Loop() {
			var resp benchResponseBody
			if err := c.DecryptJSON(data, &resp); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var resp benchResponseBody
			if err := baselineDecryptJSON(benchKey, benchIV, data, &resp); err != nil {
				b.Fatal(err)
			}
		}
	})
}
