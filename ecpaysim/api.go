package ecpaysim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/internal/contract"
)

// strictAPI is the simulator's implementation of the generated strict server
// interface. The endpoint middleware has already screened the body and
// validated the envelope against the spec when it runs.
type strictAPI struct{ s *Server }

var _ generated.StrictServerInterface = strictAPI{}

// CancelDelayIssue checks what the spec cannot (merchant, time window, Data),
// then cancels the invoice. Every outcome is an HTTP 200 ECPay answer; it
// never returns an error.
func (a strictAPI) CancelDelayIssue(ctx context.Context, req generated.CancelDelayIssueRequestObject) (generated.CancelDelayIssueResponseObject, error) {
	return generated.CancelDelayIssue200JSONResponse(a.s.cancelDelayIssue(exchangeFrom(ctx), req.Body)), nil
}

// cancelDelayIssue answers a request whose envelope matches the spec.
func (s *Server) cancelDelayIssue(ex *exchange, env *generated.RequestEnvelope) generated.ResponseEnvelope {
	if env == nil {
		return s.bug(ex, errors.New("the strict handler passed no body"))
	}
	codec, ok := s.merchants[env.MerchantID]
	if !ok {
		return s.rejection(ex, TransCodeUnknownMerchant, transMsgUnknownMerchant)
	}
	// Comparing against now±window cannot overflow, whatever the Timestamp.
	now, window := s.clock().Unix(), int64(TimestampWindow.Seconds())
	if ts := int64(env.RqHeader.Timestamp); ts < now-window || ts > now+window {
		return s.rejection(ex, TransCodeTimestampOutOfRange, transMsgTimestamp)
	}
	plaintext, err := codec.Decrypt(env.Data)
	if err != nil {
		return s.rejection(ex, TransCodeUndecryptableData, transMsgUndecryptable+decryptProblem(err))
	}
	ex.rec.Plaintext = plaintext
	if err := s.contract.RequestData(plaintext); err != nil {
		return s.rejection(ex, TransCodeInvalidData, detail(transMsgInvalidData, err))
	}
	var data generated.CancelDelayIssueRequestData
	if err := json.Unmarshal(plaintext, &data); err != nil {
		return s.rejection(ex, TransCodeInvalidData, detail(transMsgInvalidData, err))
	}
	ex.rec.Data = &data
	if data.MerchantID != env.MerchantID {
		return s.rejection(ex, TransCodeMerchantMismatch, transMsgMerchantMismatch)
	}
	code, msg := s.cancel(env.MerchantID, data.Tsr, ex.rec.Fault)
	return s.accepted(ex, codec, code, msg)
}

// accepted returns a TransCode 1 answer whose Data encrypts the RtnCode and
// RtnMsg, after checking that plaintext against responses.Data.
func (s *Server) accepted(ex *exchange, codec *ecpaycrypto.Codec, code int, msg string) generated.ResponseEnvelope {
	rtnCode := generated.LenientInt(code)
	inner := &generated.CancelDelayIssueResponseData{RtnCode: &rtnCode, RtnMsg: &msg}
	plaintext, err := json.Marshal(inner)
	if err != nil {
		return s.bug(ex, fmt.Errorf("encoding the answer's Data: %w", err))
	}
	if err := s.contract.ResponseData(plaintext); err != nil {
		return s.bug(ex, fmt.Errorf("the answer's Data %s violates %s: %w", plaintext, contract.ResponseDataSchema, err))
	}
	data, err := codec.Encrypt(plaintext)
	if err != nil {
		return s.bug(ex, fmt.Errorf("encrypting the answer's Data: %w", err))
	}
	return s.envelope(ex, TransCodeOK, transMsgOK, data, plaintext, inner)
}

// bug records a violation and returns the TransCodeInternalError envelope.
func (s *Server) bug(ex *exchange, err error) generated.ResponseEnvelope {
	s.violation(err)
	return s.rejection(ex, TransCodeInternalError, transMsgInternalError)
}

// decryptProblem names what is wrong with an undecryptable Data without
// repeating it: the ecpaycrypto errors carry no key material, but their
// advice is meant for the client's developer, not for a TransMsg.
func decryptProblem(err error) string {
	switch {
	case errors.Is(err, ecpaycrypto.ErrEmptyData):
		return "it is empty"
	case errors.Is(err, ecpaycrypto.ErrBase64):
		return "it is not standard base64"
	case errors.Is(err, ecpaycrypto.ErrBlockSize):
		return "it is not a whole number of AES blocks"
	case errors.Is(err, ecpaycrypto.ErrPadding):
		return "bad padding (wrong key or IV, or corrupted)"
	}
	return "it does not decrypt"
}
