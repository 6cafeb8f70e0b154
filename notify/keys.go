package notify

import (
	"errors"
	"fmt"
	"net/url"
)

// Keys are one merchant's credentials: its MerchantID and the HashKey and
// HashIV ECPay gave it, which sign its notifications.
type Keys struct {
	MerchantID string
	HashKey    string
	HashIV     string
}

// String names the merchant and never its keys, so that Keys can be
// printed or logged.
func (k Keys) String() string { return "merchant " + k.MerchantID }

// GoString is String, so that %#v does not print the keys either.
func (k Keys) GoString() string { return k.String() }

// Sign returns form with its CheckMacValue under k: a copy, with one value
// per field and CheckMacValue set (replaced if form had one).
func (k Keys) Sign(form url.Values) url.Values {
	signed := make(url.Values, len(form)+1)
	for name, vs := range form {
		if len(vs) > 0 {
			signed.Set(name, vs[0])
		}
	}
	signed.Set(FieldCheckMacValue, CheckMacValue(signed, k.HashKey, k.HashIV))
	return signed
}

// Keyring is the set of merchants whose notifications an application
// accepts, looked up by MerchantID. Its zero value and nil hold none: every
// notification is then refused as from an unknown merchant.
type Keyring struct {
	byID map[string]Keys
}

// NewKeyring returns a Keyring of keys, one per merchant. It refuses a
// merchant without a MerchantID, HashKey or HashIV, and a MerchantID given
// twice; its error names the merchant, never a key.
func NewKeyring(keys ...Keys) (*Keyring, error) {
	kr := &Keyring{byID: make(map[string]Keys, len(keys))}
	for i, k := range keys {
		switch {
		case k.MerchantID == "":
			return nil, fmt.Errorf("notify: keys %d have no MerchantID", i+1)
		case k.HashKey == "" || k.HashIV == "":
			return nil, fmt.Errorf("notify: %v has no HashKey or no HashIV: give both, as ECPay's merchant admin shows them", k)
		}
		if _, dup := kr.byID[k.MerchantID]; dup {
			return nil, fmt.Errorf("notify: %v is given twice", k)
		}
		kr.byID[k.MerchantID] = k
	}
	return kr, nil
}

// Lookup returns the keys of the merchant merchantID, if kr has them.
func (kr *Keyring) Lookup(merchantID string) (Keys, bool) {
	if kr == nil {
		return Keys{}, false
	}
	k, ok := kr.byID[merchantID]
	return k, ok
}

// errNoMerchant is why a notification naming no merchant is refused by a
// Keyring of several.
var errNoMerchant = errors.New("it names no merchant and several are configured: add ?MerchantID=<id> to the URL you give ECPay")

// resolve picks the keys that must verify a notification: those of the
// MerchantID it carries in its form, else of the MerchantID in the query of
// the URL ECPay posted to (the application puts it in the NotifyURL or
// ReturnURL it gives ECPay), else of the one merchant kr holds.
func (kr *Keyring) resolve(form, query url.Values) (Keys, error) {
	id := form.Get(FieldMerchantID)
	if id == "" {
		id = query.Get(FieldMerchantID)
	}
	if id == "" {
		if kr != nil && len(kr.byID) == 1 {
			for _, k := range kr.byID {
				return k, nil
			}
		}
		if kr == nil || len(kr.byID) == 0 {
			return Keys{}, errors.New("the Keyring is empty: give NewKeyring the merchant's keys")
		}
		return Keys{}, errNoMerchant
	}
	k, ok := kr.Lookup(id)
	if !ok {
		return Keys{}, fmt.Errorf("merchant %s is not in the Keyring: add its keys with NewKeyring to accept it", quote(id))
	}
	return k, nil
}
