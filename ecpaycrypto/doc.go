// Package ecpaycrypto encrypts and decrypts the Data field of ECPay's B2C
// e-invoice API, byte for byte as ECPay's official PHP SDK does:
//
//	Data = base64( AES-128-CBC( urlencode( json ) ) )
//
// with the merchant's 16-character HashKey as the AES key, its HashIV as the
// CBC IV, PKCS#7 padding, standard base64 and PHP's urlencode. A response's
// Data is decoded the other way round with PHP's urldecode, which also
// accepts the .NET-style lowercase hex that ECPay's responses are reported to
// use.
//
// The package knows bytes and keys, nothing of HTTP: put the Data it makes
// into the request envelope, and decrypt the response's Data only when its
// TransCode is 1.
//
// Make one Codec per merchant with New and share it; it is safe for
// concurrent use:
//
//	codec, err := ecpaycrypto.New(hashKey, hashIV)
//	if err != nil {
//		return err // a *KeySizeError: lengths only, never the secret
//	}
//	data, err := codec.EncryptJSON(request)
//	// … send data, receive resp …
//	var result struct {
//		RtnCode int
//		RtnMsg  string
//	}
//	if err := codec.DecryptJSON(resp.Data, &result); err != nil {
//		return err // errors.Is(err, ecpaycrypto.ErrPadding): wrong HashKey/HashIV
//	}
//
// Encrypt and Decrypt work on plaintext bytes when the JSON is built
// elsewhere, and URLEncode and URLDecode expose PHP's urlencode and urldecode.
//
// Errors are sentinels matched with errors.Is (ErrKeySize, ErrIVSize,
// ErrEmptyData, ErrBase64, ErrBlockSize, ErrPadding, ErrInvalidUTF8, ErrJSON,
// ErrNoKey) or, for New, a *KeySizeError matched with errors.As. No error
// from New, Decrypt or DecryptJSON, and no printing of a Codec, contains the
// HashKey, the HashIV or the plaintext.
//
// The cipher ECPay chose is unauthenticated AES-CBC: Data carries no MAC, so
// decrypting proves nothing about who produced it. Authenticate the channel
// (HTTPS to ECPay's host) rather than the payload.
package ecpaycrypto
