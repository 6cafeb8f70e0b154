package main

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/internal/protocol"
	"github.com/ecpay-go/einvoice/wrapper"
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

func (c *credentialFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.merchantID, "merchant-id", "", "ECPay `MerchantID` (default $"+envMerchantID+")")
	// No default is shown: the stage key must not appear in any output.
	fs.StringVar(&c.hashKey, "hash-key", "", "the merchant's `HashKey`, 16 characters (default $"+envHashKey+"; prefer the variable, flags show in ps)")
	fs.StringVar(&c.hashIV, "hash-iv", "", "the merchant's `HashIV`, 16 characters (default $"+envHashIV+")")
	fs.StringVar(&c.platformID, "platform-id", "", "`PlatformID`, for platform merchants only (default $"+envPlatformID+")")
	fs.StringVar(&c.env, "env", "stage", "ECPay environment, `stage|prod`; without credentials, stage uses ECPay's public test merchant "+wrapper.StageMerchantID+", prod refuses")
}

// credentials are the resolved credentials of one merchant.
type credentials struct {
	merchantID, hashKey, hashIV, platformID string
}

// resolve merges the flags that were given with the environment (flags win)
// and applies --env's defaults. needMerchant says whether the subcommand
// sends requests and so needs a MerchantID besides the key and IV. Errors
// name what is missing or wrong, never a value.
func (c *credentialFlags) resolve(fs *pflag.FlagSet, getenv func(string) string, needMerchant bool) (credentials, error) {
	if c.env != "stage" && c.env != "prod" {
		return credentials{}, usagef("--env must be stage or prod")
	}
	pick := func(flagName, value, envName string) string {
		if fs.Changed(flagName) {
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
		cred.merchantID, cred.hashKey, cred.hashIV = wrapper.StageMerchantID, wrapper.StageHashKey, wrapper.StageHashIV
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
		return credentials{}, cliError(err)
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

func (n *networkFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&n.baseURL, "base-url", "", "send requests to `URL` instead of --env's ECPay host (a path is kept as a prefix); plain http:// only for loopback hosts")
	fs.DurationVar(&n.timeout, "timeout", wrapper.DefaultTimeout, "bound each call, retries included, by `duration`; 0 for none")
}

// resolve returns the base URL to call, normalised: --base-url, checked by
// wrapper.CheckBaseURL, or the URL of env.
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
	u, err := wrapper.CheckBaseURL(n.baseURL)
	if err != nil {
		// wrapper's messages say "the base URL …"; here it is a flag.
		return "", usagef("--base-url: %s", strings.TrimPrefix(err.Error(), "the base URL "))
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// clientFlags are the flags of the subcommands that call ECPay: the
// credentials, --env, --base-url and --timeout.
type clientFlags struct {
	credentialFlags
	networkFlags
}

func (c *clientFlags) register(fs *pflag.FlagSet) {
	c.credentialFlags.register(fs)
	c.networkFlags.register(fs)
}

// resolve returns the credentials of the merchant that calls, MerchantID
// included, and the base URL to call, or a usage error. A base URL on
// ECPay's production host, from --env prod or --base-url alike, needs the
// merchant's own credentials given by flags or the environment: the stage
// merchant's, given or fallen back to, are refused there (protocol's rule,
// which wrapper.NewClient applies too).
func (c *clientFlags) resolve(fs *pflag.FlagSet, getenv func(string) string) (credentials, string, error) {
	cred, err := c.credentialFlags.resolve(fs, getenv, true)
	if err != nil {
		return credentials{}, "", err
	}
	baseURL, err := c.networkFlags.resolve(c.env)
	if err != nil {
		return credentials{}, "", err
	}
	// baseURL passed wrapper.CheckBaseURL, or is one of ECPay's: it parses.
	u, _ := url.Parse(baseURL)
	if err := protocol.CheckCredentials(u, cred.merchantID, cred.hashKey, cred.hashIV); err != nil {
		return credentials{}, "", usagef("%v; give the merchant's own with --merchant-id, --hash-key and --hash-iv, or set %s, %s and %s (without them, ecpay-invoice uses the stage merchant's)", err, envMerchantID, envHashKey, envHashIV)
	}
	return cred, baseURL, nil
}

// newClient returns the wrapper client of a subcommand that calls ECPay:
// cred's merchant at baseURL with --timeout, through doer, an HTTP client
// whose redirects follow wrapper.CheckRedirect.
func newClient(cred credentials, baseURL string, timeout time.Duration, doer wrapper.HTTPDoer, more ...wrapper.Option) (*wrapper.Client, error) {
	opts := append([]wrapper.Option{wrapper.WithBaseURL(baseURL), wrapper.WithTimeout(timeout), wrapper.WithHTTPClient(doer)}, more...)
	if cred.platformID != "" {
		opts = append(opts, wrapper.WithPlatformID(cred.platformID))
	}
	c, err := wrapper.NewClient(cred.merchantID, cred.hashKey, cred.hashIV, opts...)
	if err != nil {
		// wrapper's errors never quote the key or the IV.
		return nil, cliError(err)
	}
	return c, nil
}

// newHTTPClient returns the HTTP client under the wrapper client: net/http's
// transport with room for conns idle connections to ECPay, following
// redirects only as the wrapper's own client does (same host, never from
// https to http), so that no request is replayed to another server.
func newHTTPClient(conns int) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = conns
	return &http.Client{Transport: transport, CheckRedirect: wrapper.CheckRedirect}
}

// cliError rewrites an error of wrapper.NewClient or ecpaycrypto.New, which
// speak of the library (NewClient, WithPlatformID), into a usage error that
// names the flag to fix.
func cliError(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "ecpay: ")
	msg = strings.TrimPrefix(msg, "NewClient: ")
	msg = strings.TrimPrefix(msg, "ecpaycrypto: ")
	for _, field := range []struct{ name, flag, env string }{
		{"PlatformID", "--platform-id", envPlatformID},
		{"MerchantID", "--merchant-id", envMerchantID},
		{"HashKey", "--hash-key", envHashKey},
		{"HashIV", "--hash-iv", envHashIV},
	} {
		if strings.Contains(msg, field.name) {
			return usagef("%s ($%s): %s", field.flag, field.env, msg)
		}
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return err
	}
	return usagef("%s", msg)
}
