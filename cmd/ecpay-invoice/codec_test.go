package main

import (
	"strings"
	"testing"
)

// ECPay's published example, from /work/shared/notes: the stage key and IV,
// upper-case urlencode.
const (
	vectorPlaintext = `{"Name":"Test","ID":"A123456789"}`
	vectorData      = "uvI4yrErM37XNQkXGAgRgJAgHn2t72jahaMZzYhWL1HmvH4WV18VJDP2i9pTbC+tby5nxVExLLFyAkbjbS2Dvg=="
	// The same plaintext, urlencoded with lower-case hex before encryption.
	vectorDataLower = "ZD/z07UvdmL3aYz0tsVo+bFXF5VldNcns6ezyfea777KOmLiizrUNDYe+v1bh2QTT4AySf1NICgXxWXB6f7c6A=="
	// A plaintext that fills whole blocks after urlencode.
	vectorFullBlockPlaintext = `{"N":"1234567890"}`
	vectorFullBlockData      = "gVwWJnIpl1m3ZDypcRAjiCctilYnQhHn4h8OzJP5IxQPov7HuysXX+jPONvrHS7Z"
)

func TestEncryptMatchesECPaysVectors(t *testing.T) {
	out := runBinary(t, invocation{args: []string{"encrypt"}, stdin: vectorPlaintext + "\n" + vectorFullBlockPlaintext})
	if out.code != exitOK {
		t.Fatalf("exit status %d: %s", out.code, out.stderr)
	}
	if want := vectorData + "\n" + vectorFullBlockData + "\n"; out.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out.stdout, want)
	}
}

func TestDecryptAcceptsBothHexCases(t *testing.T) {
	out := runBinary(t, invocation{args: []string{"decrypt"}, stdin: vectorData + "\r\n  " + vectorDataLower + "  \n"})
	if out.code != exitOK {
		t.Fatalf("exit status %d: %s", out.code, out.stderr)
	}
	if want := vectorPlaintext + "\n" + vectorPlaintext + "\n"; out.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out.stdout, want)
	}
}

func TestEncryptDecryptRoundTripIsByteExact(t *testing.T) {
	lines := []string{
		`{"MerchantID":"2000132","Tsr":"201909170001"}`,
		`{"RtnMsg":"caf\u00e9 \u53d6\u6d88","RtnCode":"1"}`,   // escapes stay escapes
		`{"RtnMsg":"café 取消"}`,                                // raw UTF-8 stays raw
		`{ "spaced" : [1, 2.50, 1e3] , "slash":"a\/b~*()!" }`, // no re-marshalling
		`not JSON at all: 100% + & = ?`,
		strings.Repeat("x", 2<<20), // a 2 MiB line fits
	}
	input := strings.Join(lines, "\n") + "\n"
	env := []string{"ECPAY_MERCHANT_ID=" + otherMerchantID, "ECPAY_HASH_KEY=" + otherHashKey, "ECPAY_HASH_IV=" + otherHashIV}
	enc := runBinary(t, invocation{args: []string{"encrypt"}, stdin: input, env: env})
	if enc.code != exitOK {
		t.Fatalf("encrypt: exit status %d: %s", enc.code, enc.stderr)
	}
	if n := strings.Count(enc.stdout, "\n"); n != len(lines) {
		t.Fatalf("encrypt printed %d lines, want %d", n, len(lines))
	}
	dec := runBinary(t, invocation{args: []string{"decrypt"}, stdin: enc.stdout, env: env})
	if dec.code != exitOK {
		t.Fatalf("decrypt: exit status %d: %s", dec.code, dec.stderr)
	}
	if dec.stdout != input {
		for i, got := range strings.Split(dec.stdout, "\n") {
			if i < len(lines) && got != lines[i] {
				t.Errorf("line %d: got %.80q, want %.80q", i+1, got, lines[i])
			}
		}
	}
	// The stage key does not decrypt what the other merchant's encrypted.
	wrong := runBinary(t, invocation{args: []string{"decrypt"}, stdin: enc.stdout})
	if wrong.code != exitInvalid {
		t.Errorf("decrypt with the wrong key: exit status %d, want %d", wrong.code, exitInvalid)
	}
}

func TestDecryptReportsBadLinesAndGoesOn(t *testing.T) {
	input := vectorData + "\nthis is not Data\n\n" + vectorData[:20] + "\n" + vectorData + "\n"
	out := runBinary(t, invocation{args: []string{"decrypt"}, stdin: input})
	if out.code != exitInvalid {
		t.Errorf("exit status %d, want %d", out.code, exitInvalid)
	}
	if want := vectorPlaintext + "\n\n\n\n" + vectorPlaintext + "\n"; out.stdout != want {
		t.Errorf("stdout %q, want %q", out.stdout, want)
	}
	for _, line := range []string{"line 2:", "line 3:", "line 4:"} {
		if !strings.Contains(out.stderr, "decrypt: "+line) {
			t.Errorf("stderr lacks %q:\n%s", line, out.stderr)
		}
	}
	if strings.Contains(out.stderr, "line 1:") || strings.Contains(out.stderr, "line 5:") {
		t.Errorf("stderr reports a good line:\n%s", out.stderr)
	}
}

func TestEncryptReportsBadLines(t *testing.T) {
	input := "{}\n\n\xff\xfe\n" + strings.Repeat("y", maxDataLine+1) + "\n{}"
	out := runBinary(t, invocation{args: []string{"encrypt"}, stdin: input})
	if out.code != exitInvalid {
		t.Errorf("exit status %d, want %d", out.code, exitInvalid)
	}
	lines := strings.Split(out.stdout, "\n")
	if len(lines) != 6 || lines[0] == "" || lines[1] != "" || lines[2] != "" || lines[3] != "" || lines[4] != lines[0] {
		t.Errorf("stdout %q: want Data, three empty lines, Data", out.stdout)
	}
	for _, want := range []string{"line 2: empty", "line 3: not valid UTF-8", "line 4: longer than 4 MiB"} {
		if !strings.Contains(out.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out.stderr)
		}
	}
}
