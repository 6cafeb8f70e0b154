package main

import (
	"bytes"
	"errors"
	"fmt"
)

var decryptCommand = lineCommand{
	name: "decrypt",
	help: help{
		usage: "decrypt [credential flags] < data > plaintext",
		about: `Decrypts each line of stdin, an ECPay Data value (surrounding blanks are
ignored), with the merchant's HashKey and HashIV, and prints the plaintext
exactly as it decrypts and urldecodes: the JSON is not re-marshalled, so
escapes such as \u00e9 stay as they are. Output line n is the plaintext of
input line n. A line that does not decrypt is reported on stderr with its
number, gives an empty output line and exit status 2.`,
		examples: []string{
			"ecpay-invoice decrypt <<< 'uvI4yrErM37XNQkXGAgRgJAgHn2t72jahaMZzYhWL1HmvH4WV18VJDP2i9pTbC+tby5nxVExLLFyAkbjbS2Dvg=='",
			"ECPAY_HASH_KEY=… ECPAY_HASH_IV=… ecpay-invoice decrypt --env prod < data.txt",
		},
	},
	setup: func(cred credentials) (func([]byte) ([]byte, error), error) {
		codec, err := cred.codec()
		if err != nil {
			return nil, err
		}
		return func(line []byte) ([]byte, error) {
			data := bytes.TrimSpace(line)
			if len(data) == 0 {
				return nil, errors.New("empty: no Data to decrypt")
			}
			plaintext, err := codec.Decrypt(string(data))
			if err != nil {
				// ecpaycrypto's errors hold neither key nor plaintext.
				return nil, fmt.Errorf("does not decrypt: %w", err)
			}
			return plaintext, nil
		}, nil
	},
}
