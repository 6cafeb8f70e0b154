package wrapper

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/generated"
	"github.com/ecpay-go/einvoice/internal/protocol"
	"github.com/ecpay-go/einvoice/internal/redact"
	"github.com/ecpay-go/einvoice/lenient"
)

// open reads raw, the body of an HTTP 2xx answer: its envelope must accept
// the request (TransCode 1), its Data decrypt and decode into x.resp, and
// its RtnCode be one of the operation's success codes; otherwise the error
// says which did not hold.
func (x *exchange) open(raw []byte) error {
	c, st, op := x.c, x.st, x.st.op.Name
	renv, err := decodeEnvelope(raw, x.store)
	if err != nil {
		return st.decodeError(err)
	}
	x.out.transCode = renv.TransCode
	a := answered{envelope: renv, when: responseTime(renv)}
	var clockSkew time.Duration
	if !a.when.IsZero() {
		clockSkew = skew(a.when, c.now())
	}
	if *renv.TransCode != protocol.TransCodeOK {
		return &TransError{Operation: op, TransCode: *renv.TransCode, TransMsg: redact.Text(c.codec, deref(renv.TransMsg), redact.Limit), ClockSkew: clockSkew}
	}
	if x.store.plain != nil {
		err = x.openPlain(&a, x.store.plain)
	} else {
		err = x.decrypt(&a, renv.Data)
	}
	if err != nil {
		return st.decodeError(err)
	}
	rtnCode, rtnMsg, ok := st.codes(x.resp)
	if !ok {
		return &DecodeError{Operation: op, Problem: "decrypted Data has no RtnCode"}
	}
	x.store.rtnCode = rtnCode
	x.out.rtnCode = &x.store.rtnCode // in the store: a local's address would cost an allocation
	rtnMsg = redact.Text(c.codec, rtnMsg, redact.Limit)
	a.rtnCode, a.rtnMsg = rtnCode, rtnMsg
	if !st.op.Success(rtnCode) {
		return &APIError{Operation: op, RtnCode: rtnCode, RtnMsg: rtnMsg, ClockSkew: clockSkew, op: st.op}
	}
	x.ans = a
	return nil
}

// decrypt decrypts data, the Data of an accepted envelope, into x.resp;
// with x.keepInner it keeps the plaintext in a.inner, and otherwise decodes
// it in the codec's buffer, without a copy.
func (x *exchange) decrypt(a *answered, data *string) error {
	st, resp, codec := x.st, x.resp, x.c.codec
	st.presetAnswer(resp, x.store)
	defer st.absentAnswer(resp)
	if !x.keepInner {
		if data == nil || *data == "" {
			return &DecodeError{Problem: "TransCode is 1 but Data is empty"}
		}
		if err := codec.DecryptJSON(*data, resp); err != nil {
			if errors.Is(err, ecpaycrypto.ErrJSON) {
				return &DecodeError{Problem: "decrypted Data is not the expected JSON", Err: err}
			}
			return &DecodeError{Problem: "Data does not decrypt with this merchant's HashKey/HashIV", Err: err}
		}
		return nil
	}
	var err error
	if a.inner, err = openData(codec, data); err != nil {
		return err
	}
	if err := ecpaycrypto.UnmarshalJSON(a.inner, resp); err != nil {
		return &DecodeError{Problem: "decrypted Data is not the expected JSON", Err: err}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// decodeEnvelope decodes a response envelope, which must carry a TransCode,
// into st. A Data that is a JSON object is kept in st.plain, for open to
// judge by the operation (see plain.go); the envelope's Data is then nil.
//
// The generated envelope has a pointer for every member (each is optional in
// the spec), which encoding/json would allocate one by one, looking for
// unmarshalers at every level. Here the body is decoded into plain values
// in st, set beforehand to values no JSON gives (absent), and the envelope's
// pointers are then pointed at those that are no longer absent: JSON null,
// like an absent member, gives nil, as it would in the generated type. st is
// part of the Result the call returns, so the envelope costs no allocation
// of its own.
func decodeEnvelope(body []byte, st *answerStore) (*generated.ResponseEnvelope, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &DecodeError{Problem: "empty body"}
	}
	w := &st.wire
	w.MerchantID, w.PlatformID, w.TransMsg, w.Data = absentString, absentString, absentString, absentString
	w.RpHeader.Timestamp, w.TransCode = absentInt, absentInt
	st.plain = nil
	if err := json.Unmarshal(body, w); err != nil {
		plain, ok, perr := decodePlainEnvelope(body, err, w)
		switch {
		case !ok:
			return nil, &DecodeError{Problem: "body is not an ECPay JSON envelope", Err: err}
		case perr != nil:
			return nil, perr
		}
		st.plain = plain
	}
	st.env = generated.ResponseEnvelope{
		MerchantID: present((*lenient.String)(&w.MerchantID), string(w.MerchantID) != absentString),
		PlatformID: present(&w.PlatformID, w.PlatformID != absentString),
		TransCode:  present(&w.TransCode, w.TransCode != absentInt),
		TransMsg:   present(&w.TransMsg, w.TransMsg != absentString),
		Data:       present(&w.Data, w.Data != absentString),
	}
	if w.RpHeader.Timestamp != absentInt {
		// An RpHeader without a Timestamp is as good as none: the spec
		// gives it no other member.
		st.rpHeader = generated.RpHeader{Timestamp: &w.RpHeader.Timestamp}
		st.env.RpHeader = &st.rpHeader
	}
	if st.env.TransCode == nil {
		return nil, &DecodeError{Problem: "envelope has no TransCode"}
	}
	return &st.env, nil
}

// wireEnvelope is the answer envelope as plain values, for decodeEnvelope:
// the members of generated.ResponseEnvelope, by the same JSON names.
type wireEnvelope struct {
	MerchantID lenient.String `json:"MerchantID"`
	PlatformID string         `json:"PlatformID"`
	RpHeader   struct {
		Timestamp int `json:"Timestamp"`
	} `json:"RpHeader"`
	TransCode int    `json:"TransCode"`
	TransMsg  string `json:"TransMsg"`
	Data      string `json:"Data"`
}

// present returns p when ok, else nil.
func present[T any](p *T, ok bool) *T {
	if !ok {
		return nil
	}
	return p
}

// answerStore holds a decoded answer's envelope and the values its pointers
// point to, and room for the strings and ints of the inner answer's pointer
// fields (see opState.presetAnswer): every Result has one, so that decoding
// an answer allocates no pointer of its own.
type answerStore struct {
	env      generated.ResponseEnvelope
	wire     wireEnvelope
	rpHeader generated.RpHeader
	strs     [storeSlots]string
	// ints are of RtnCode's type, so that the one int every answer has is
	// pointed to without a conversion.
	ints [storeSlots]lenient.Int
	// rtnCode is the answer's RtnCode, for the call's log record and its
	// attempt hooks.
	rtnCode int
	// plain is the answer's Data when it is a JSON object rather than the
	// encrypted string (see plain.go); nil otherwise.
	plain json.RawMessage
}

// storeSlots is how many strings, and how many ints, of an inner answer an
// answerStore holds; an answer type with more gets the rest allocated.
const storeSlots = 4

// Values decoding cannot produce: encoding/json gives only valid UTF-8, and
// no ECPay code, count or Timestamp is the smallest int (an answer that
// sends it is read as not having the member).
const (
	absentString = "\xff"
	absentInt    = math.MinInt
)

// openData decrypts data, the Data of an envelope whose TransCode is 1.
func openData(codec *ecpaycrypto.Codec, data *string) ([]byte, error) {
	if data == nil || *data == "" {
		return nil, &DecodeError{Problem: "TransCode is 1 but Data is empty"}
	}
	plaintext, err := codec.Decrypt(*data)
	if err != nil {
		return nil, &DecodeError{Problem: "Data does not decrypt with this merchant's HashKey/HashIV", Err: err}
	}
	return plaintext, nil
}

// responseTime is the envelope's RpHeader.Timestamp, or the zero time.
func responseTime(env *generated.ResponseEnvelope) time.Time {
	if env.RpHeader == nil || env.RpHeader.Timestamp == nil {
		return time.Time{}
	}
	return time.Unix(int64(*env.RpHeader.Timestamp), 0)
}
