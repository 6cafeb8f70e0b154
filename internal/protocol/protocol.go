// Package protocol holds the facts of ECPay's e-invoice protocol that the
// client (wrapper), the CLI, the simulator (ecpaysim) and its proxy share,
// so that each is written once, below all of them: ECPay's two hosts and
// the rules for a base URL and its redirects (baseurl.go), the public stage
// merchant and the rule that keeps it off production (this file), the
// envelope's member names, its TransCode of success and the size of an
// answer (envelope.go), the RqHeader.Timestamp window (window.go), and
// which failures provably never reached ECPay and the wait between
// attempts (retry.go).
//
// Nothing here imports wrapper or ecpaysim: both import it.
package protocol

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ecpay-go/einvoice/generated"
)

// ECPay's hosts, as the pages name them (the generator refuses pages whose
// servers are not ECPay's two https hosts).
const (
	StageURL      = generated.ServerURLStage
	ProductionURL = generated.ServerURLProduction
)

// ECPay's public stage merchant for e-invoice, from ECPay's developer pages:
// anyone may use it against the stage host; it is never a production
// merchant's.
const (
	StageMerchantID = "2000132"
	StageHashKey    = "ejCk326UnaZWKisg"
	StageHashIV     = "q9jcZX8Ib9LM8wYk"
)

// productionHost is the host of ECPay's production server, as the pages
// name it (the generator refuses pages whose servers are not ECPay's two
// https hosts, so it parses).
var productionHost = func() string {
	u, _ := url.Parse(ProductionURL)
	return u.Hostname()
}()

// IsProduction reports whether u is on ECPay's production host, whatever
// its scheme, port, path or letter case, and with or without the trailing
// dot of a fully qualified name. The rule goes by the host's name: an
// address or another name that leads there (a proxy) is not recognised.
func IsProduction(u *url.URL) bool {
	if u == nil {
		return false
	}
	return strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), productionHost)
}

// ErrStageCredentials is the cause of CheckCredentials' error: the stage
// merchant's ID, HashKey or HashIV with a production URL.
var ErrStageCredentials = errors.New("ECPay's public stage merchant (" + StageMerchantID + ") and its keys are for the stage host only")

// CheckCredentials is the rule for a base URL on ECPay's production host: it
// needs a merchant's own credentials, given on purpose, never ECPay's public
// stage merchant, which the client, the CLI (without credentials) and the
// simulator fall back to. It returns nil for any other host, and for the
// production host when neither the MerchantID, the HashKey nor the HashIV
// is the stage merchant's; otherwise an error wrapping
// ErrStageCredentials that names the host and never a key.
func CheckCredentials(u *url.URL, merchantID, hashKey, hashIV string) error {
	if !IsProduction(u) {
		return nil
	}
	if merchantID == StageMerchantID || hashKey == StageHashKey || hashIV == StageHashIV {
		return fmt.Errorf("%s is ECPay's production host, which needs the merchant's own credentials: %w", productionHost, ErrStageCredentials)
	}
	return nil
}
