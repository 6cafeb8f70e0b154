package ecpaycrypto_test

import (
	"errors"
	"fmt"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
)

// ECPay's published example: the stage HashKey and HashIV encrypt this JSON
// to the Data quoted on ECPay's pages.
func Example() {
	codec, err := ecpaycrypto.New("ejCk326UnaZWKisg", "q9jcZX8Ib9LM8wYk")
	if err != nil {
		fmt.Println(err)
		return
	}
	data, err := codec.Encrypt([]byte(`{"Name":"Test","ID":"A123456789"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(data)

	plain, err := codec.Decrypt(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(plain))
	// Output:
	// uvI4yrErM37XNQkXGAgRgJAgHn2t72jahaMZzYhWL1HmvH4WV18VJDP2i9pTbC+tby5nxVExLLFyAkbjbS2Dvg==
	// {"Name":"Test","ID":"A123456789"}
}

func ExampleCodec_EncryptJSON() {
	codec, err := ecpaycrypto.New("ejCk326UnaZWKisg", "q9jcZX8Ib9LM8wYk")
	if err != nil {
		fmt.Println(err)
		return
	}
	data, err := codec.EncryptJSON(struct {
		MerchantID string
		Tsr        string
	}{"2000132", "201909170001"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(data)
	// Output:
	// XeEOdHpTRvxKEqs/JD9RSd16s7VtpyWVCN6AV44pKTU6HmvX/96CVuEW8489e0iHWJ7Gz8SED5WWfy67zOnO06tOttM2D3BM5V5EfM/DDFI=
}

func ExampleCodec_DecryptJSON() {
	codec, err := ecpaycrypto.New("ejCk326UnaZWKisg", "q9jcZX8Ib9LM8wYk")
	if err != nil {
		fmt.Println(err)
		return
	}
	// The Data of an ECPay response whose JSON is
	// {"RtnCode":1,"RtnMsg":"取消開立發票成功"}.
	const data = "vvdAMLz9ExDnnpaFkuViYPSatH9S6psFksGPOsEt6BUd8TOIbzY7CKIFuPNmaZ7aM91E7CQpxs2Nzz4T3aXgyhzJ+vx1GOYU7Z9upuksNJvE7dzaomPLV+ciT3kyhdiEoz5dp+3Y1LIGQ2PrMUdLY4647kpBzCckwQDseyq9ik4="
	var result struct {
		RtnCode int
		RtnMsg  string
	}
	if err := codec.DecryptJSON(data, &result); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(result.RtnCode, result.RtnMsg)

	// The same Data under the wrong key fails the padding check.
	other, err := ecpaycrypto.New("7b53896b742849d3", "37a0ad3c6ffa428b")
	if err != nil {
		fmt.Println(err)
		return
	}
	err = other.DecryptJSON(data, &result)
	fmt.Println(errors.Is(err, ecpaycrypto.ErrPadding))
	// Output:
	// 1 取消開立發票成功
	// true
}

func ExampleNew() {
	_, err := ecpaycrypto.New("ejCk326UnaZWKisg-and-more", "q9jcZX8Ib9LM8wYk")
	fmt.Println(err)
	fmt.Println(errors.Is(err, ecpaycrypto.ErrKeySize))
	var sizeErr *ecpaycrypto.KeySizeError
	if errors.As(err, &sizeErr) {
		fmt.Println(sizeErr.Which, sizeErr.Len)
	}
	// Output:
	// ecpaycrypto: HashKey is 25 bytes, want exactly 16: copy the 16-character HashKey from ECPay's vendor console without surrounding spaces
	// true
	// HashKey 25
}

func ExampleURLEncode() {
	fmt.Println(ecpaycrypto.URLEncode(`{"BarCode":"/1234567","Note":"a b~"}`))
	// Output:
	// %7B%22BarCode%22%3A%22%2F1234567%22%2C%22Note%22%3A%22a+b%7E%22%7D
}

func ExampleURLDecode() {
	// Lowercase hex, '+' for space and a stray '%' are decoded as PHP does.
	fmt.Println(ecpaycrypto.URLDecode("%7b%22Note%22%3a%22100%+sure%22%7d"))
	// Output:
	// {"Note":"100% sure"}
}
