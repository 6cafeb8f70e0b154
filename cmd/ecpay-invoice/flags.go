package main

import (
	"flag"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/wrapper"
)

// ECPay's public stage merchant for e-invoice, from ECPay's developer pages:
// what --env stage uses when no credentials are given.
const (
	stageMerchantID = "2000132"
	stageHashKey    = "ejCk326UnaZWKisg"
	stageHashIV     = "q9jcZX8Ib9LM8wYk"
)

// The environment variables credentials are read from when their flag is
// not given.
const (
	envMerchantID = "ECPAY_MERCHANT_ID"
	envHashKey    = "ECPAY_HASH_KEY"
	envHashIV     = "ECPAY_HASH_IV"
	envPlatformID = "ECPAY_PLATFORM_ID"
)

// credentialFlags are the flags every subcommand but demo shares: the
// merchant's credentials and the ECPay environment.
type credentialFlags struct {
	merchantID, hashKey, hashIV, platformID string
	env                                     string
}

func (c *credentialFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.merchantID, "merchant-id", "", "ECPay `MerchantID` (default $"+envMerchantID+")")
	// No default is shown: the stage key must not appear in any output.
	fs.StringVar(&c.hashKey, "hash-key", "", "the merchant's `HashKey`, 16 characters (default $"+envHashKey+"; prefer the variable, flags show in ps)")
	fs.StringVar(&c.hashIV, "hash-iv", "", "the merchant's `HashIV`, 16 characters (default $"+envHashIV+")")
	fs.StringVar(&c.platformID, "platform-id", "", "`PlatformID`, for platform merchants only (default $"+envPlatformID+")")
	fs.StringVar(&c.env, "env", "stage", "ECPay environment, `stage|prod`; without credentials, stage uses ECPay's public test merchant "+stageMerchantID+", prod refuses")
}

// credentials are the resolved credentials of one merchant.
type credentials struct {
	merchantID, hashKey, hashIV, platformID string
}

// resolve merges the flags that were given with the environment (flags win)
// and applies --env's defaults. needMerchant says whether the subcommand
// sends requests and so needs a MerchantID besides the key and IV. Errors
// name what is missing or wrong, never a value.
func (c *credentialFlags) resolve(fs *flag.FlagSet, getenv func(string) string, needMerchant bool) (credentials, error) {
	if c.env != "stage" && c.env != "prod" {
		return credentials{}, usagef("--env must be stage or prod")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	pick := func(flagName, value, envName string) string {
		if set[flagName] {
			return value
		}
		return getenv(envName)
	}
	cred := credentials{
		merchantID: pick("merchant-id", c.merchantID, envMerchantID),
		hashKey:    pick("hash-key", c.hashKey, envHashKey),
		hashIV:     pick("hash-iv", c.hashIV, envHashIV),
		platformID: pick("platform-id", c.platformID, envPlatformID),
	}
	if cred.merchantID == "" && cred.hashKey == "" && cred.hashIV == "" {
		if c.env == "prod" {
			return credentials{}, usagef("--env prod needs credentials: give --merchant-id, --hash-key and --hash-iv, or set %s, %s and %s", envMerchantID, envHashKey, envHashIV)
		}
		cred.merchantID, cred.hashKey, cred.hashIV = stageMerchantID, stageHashKey, stageHashIV
		return cred, nil
	}
	var missing []string
	if needMerchant && cred.merchantID == "" {
		missing = append(missing, "--merchant-id ($"+envMerchantID+")")
	}
	if cred.hashKey == "" {
		missing = append(missing, "--hash-key ($"+envHashKey+")")
	}
	if cred.hashIV == "" {
		missing = append(missing, "--hash-iv ($"+envHashIV+")")
	}
	if len(missing) > 0 {
		return credentials{}, usagef("incomplete credentials: missing %s", strings.Join(missing, ", "))
	}
	if _, err := ecpaycrypto.New(cred.hashKey, cred.hashIV); err != nil {
		// ecpaycrypto's errors give lengths, never the key or the IV.
		return credentials{}, usagef("%v", err)
	}
	return cred, nil
}

// codec returns the Data codec of cred, whose key and IV resolve checked.
func (cred credentials) codec() (*ecpaycrypto.Codec, error) {
	return ecpaycrypto.New(cred.hashKey, cred.hashIV)
}

// networkFlags are the flags of the subcommands that call ECPay.
type networkFlags struct {
	baseURL string
	timeout time.Duration
}

func (n *networkFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&n.baseURL, "base-url", "", "send requests to `URL` instead of --env's ECPay host (a path is kept as a prefix); plain http:// only for loopback hosts")
	fs.DurationVar(&n.timeout, "timeout", wrapper.DefaultTimeout, "bound each call, retries included, by `duration`; 0 for none")
}

// resolve returns the base URL to call: --base-url, checked, or the URL of
// env.
func (n *networkFlags) resolve(env string) (string, error) {
	if n.timeout < 0 {
		return "", usagef("--timeout must not be negative")
	}
	if n.baseURL == "" {
		if env == "prod" {
			return wrapper.ProductionURL, nil
		}
		return wrapper.StageURL, nil
	}
	if err := checkBaseURL(n.baseURL); err != nil {
		return "", err
	}
	return n.baseURL, nil
}

// checkBaseURL accepts an https URL, or an http URL whose host is a
// loopback address: keys travel only encrypted or within the machine. User
// information is refused so that no password can reach an error message.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return usagef("--base-url does not parse as a URL")
	}
	if u.User != nil {
		return usagef("--base-url must not hold user information (user:password@)")
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return usagef("--base-url must be an https URL with a host, e.g. %s", wrapper.StageURL)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return usagef("--base-url must not have a query or a fragment")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return usagef("--base-url: plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost), not %s; use https", u.Hostname())
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
