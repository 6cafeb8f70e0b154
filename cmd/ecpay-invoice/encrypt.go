package main

import (
	"errors"
	"unicode/utf8"
)

var encryptCommand = lineCommand{
	name: "encrypt",
	help: help{
		usage: "encrypt [credential flags] < plaintext > data",
		about: `Encrypts each line of stdin, as it is (its bytes, without the line's "\n" or
"\r\n"; the JSON is not re-marshalled), into ECPay's Data with the merchant's
HashKey and HashIV: base64(AES-128-CBC(urlencode(line))), byte for byte as
ECPay's PHP SDK does. Output line n is the Data of input line n. A line that
is empty, not UTF-8 or longer than 4 MiB is reported on stderr with its
number, gives an empty output line and exit status 2.`,
		examples: []string{
			`echo '{"MerchantID":"2000132","Tsr":"201909170001"}' | ecpay-invoice encrypt`,
			"ECPAY_HASH_KEY=… ECPAY_HASH_IV=… ecpay-invoice encrypt --env prod < requests.jsonl",
		},
	},
	setup: func(cred credentials) (func([]byte) ([]byte, error), error) {
		codec, err := cred.codec()
		if err != nil {
			return nil, err
		}
		return func(line []byte) ([]byte, error) {
			switch {
			case len(line) == 0:
				return nil, errors.New("empty: nothing to encrypt")
			case !utf8.Valid(line):
				// ECPay's PHP SDK would send the encryption of "" here.
				return nil, errors.New("not valid UTF-8: ECPay's JSON must be UTF-8")
			}
			data, err := codec.Encrypt(line)
			return []byte(data), err
		}, nil
	},
}
