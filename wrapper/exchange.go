package wrapper

import (
	"context"
	"time"

	"github.com/ecpay-go/einvoice/generated"
)

// exchange is one call on its way through the phases of the core: prepare
// (prepare.go: defaults, MerchantID, validation, marshal), then for each
// attempt seal (seal.go: envelope, encrypt), send (send.go: the HTTP
// request, retries, the bounded read, the attempt hooks) and open (open.go:
// envelope, decrypt, decode, codes). It carries what the phases share, so
// that none of them takes a long list of parameters.
type exchange struct {
	c  *Client
	st *opState

	// resp points to the operation's response type, into which the answer
	// is decoded; store is the Result's, which holds what resp and the
	// envelope point to.
	resp  any
	store *answerStore
	// keepInner keeps the decrypted Data in ans.inner (Call).
	keepInner bool

	// plaintext is the request's inner Data as JSON and merchantID the
	// envelope's, both from prepare.
	plaintext  []byte
	merchantID string

	out outcome  // what the call's log record and the hooks report
	ans answered // the answer, once an attempt succeeded
}

// outcome collects what the call's log record reports.
type outcome struct {
	attempts  int
	status    int
	transCode *int
	rtnCode   *int
}

// answered is what a successful exchange gives a Result.
type answered struct {
	rtnCode  int
	rtnMsg   string
	envelope *generated.ResponseEnvelope // in the Result's answerStore
	when     time.Time
	inner    []byte // the decrypted Data
}

// do prepares req (a pointer to the operation's request type) and sends it.
func (x *exchange) do(ctx context.Context, req any) error {
	var err error
	if x.plaintext, x.merchantID, err = x.c.prepare(x.st, req); err != nil {
		return err
	}
	return x.send(ctx)
}
