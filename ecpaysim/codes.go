package ecpaysim

import "github.com/ecpay-go/einvoice/internal/protocol"

// TransCode values of the answer envelope. Only TransCodeOK is ECPay's; the
// others are the simulator's choice (a test keeps this table in step with
// the constants):
//
// TransCode 1 means ECPay accepted the envelope; the outcome of the
// operation is the RtnCode inside Data. The other TransCodes are the
// simulator's own: ECPay's pages publish no list of TransCodes for the
// envelope checks, so match these in tests of the simulator, not as ECPay's
// values. A message shown ending in "…" carries a short detail there.
//
//	constant                      value  origin     TransMsg
//	TransCodeOK                   1      ECPay      "" (empty, as in the CancelDelayIssue page's example)
//	TransCodeInvalidEnvelope      9001   simulator  "request envelope does not match the spec: …"
//	TransCodeUnknownMerchant      9002   simulator  "MerchantID is not a merchant of this simulator"
//	TransCodeTimestampOutOfRange  9003   simulator  "RqHeader.Timestamp is more than 10 minutes from the server clock"
//	TransCodeUndecryptableData    9004   simulator  "Data does not decrypt with this merchant's HashKey and HashIV: …"
//	TransCodeInvalidData          9005   simulator  "decrypted Data does not match the page's request Data schema: …"
//	TransCodeMerchantMismatch     9006   simulator  "MerchantID in Data differs from the envelope's MerchantID"
//	TransCodeInternalError        9999   simulator  "simulator internal error"
const (
	// TransCodeOK is ECPay's code for an accepted envelope; the outcome of
	// the operation itself is the RtnCode inside Data.
	TransCodeOK = protocol.TransCodeOK
	// TransCodeInvalidEnvelope rejects a JSON body that does not match the
	// request envelope schema (a required field missing, a wrong type, a
	// string too long).
	TransCodeInvalidEnvelope = 9001
	// TransCodeUnknownMerchant rejects an envelope whose MerchantID is not
	// configured on the Server.
	TransCodeUnknownMerchant = 9002
	// TransCodeTimestampOutOfRange rejects an RqHeader.Timestamp more than
	// TimestampWindow away from the Server's clock, in either direction.
	TransCodeTimestampOutOfRange = 9003
	// TransCodeUndecryptableData rejects a Data that is not base64 or does
	// not decrypt with the merchant's HashKey and HashIV.
	TransCodeUndecryptableData = 9004
	// TransCodeInvalidData rejects decrypted Data that is not JSON or does
	// not match the page's request Data schema.
	TransCodeInvalidData = 9005
	// TransCodeMerchantMismatch rejects decrypted Data whose MerchantID
	// differs from the envelope's.
	TransCodeMerchantMismatch = 9006
	// TransCodeInternalError answers a request that hit a bug in the
	// simulator (a panic, or an answer that would have violated the spec);
	// the bug itself is in Violations.
	TransCodeInternalError = 9999
)

// RtnCodeRuleBroken is the simulator's own RtnCode, inside a TransCode 1
// answer's Data, for a request that breaks a business rule of its page
// (x-ecpay-validations) for which the overlay names no RtnCode of ECPay's;
// the RtnMsg is the rule's message. A rule that names one (Issue's
// SalesAmount rule, 5000022) is answered with ECPay's code.
const RtnCodeRuleBroken = 9901

// The simulator's own RtnCodes of the issued invoice's lifecycle (see
// IssuedInvoice), inside a TransCode 1 answer's Data, for refusals whose
// code at ECPay no source shows; match them in tests of the simulator,
// not as ECPay's values. Their RtnMsgs (a test keeps this table in step
// with the constants):
//
//	constant                     value  RtnMsg
//	RtnCodeAlreadyVoided         9902   "發票已作廢過"
//	RtnCodeExceedsRemaining      9903   "the allowance amount is not within the invoice's remaining amount (the simulator's own code)"
//	RtnCodeInvoiceVoided         9904   "the invoice is voided: no allowance can be made (the simulator's own code)"
//	RtnCodeNotCollegiate         9905   "the allowance is not an online one: void it with AllowanceInvalid (the simulator's own code)"
//	RtnCodeRelateNumberMismatch  9906   "IssueModel.RelateNumber is not the voided invoice's (the simulator's own code)"
//	RtnCodeNotVoided             9907   "not voided: nothing to answer (the simulator's own code)"
//	RtnCodeSimulatorError        9999   "the simulator could not apply the request (the simulator's own code)"
//
// RtnCodeAlreadyVoided's message is ECPay's, as an independent client
// matches it (paid-tw/einvoice), its code not recorded there.
const (
	// RtnCodeAlreadyVoided refuses Invalid or VoidWithReIssue of a voided
	// invoice.
	RtnCodeAlreadyVoided = 9902
	// RtnCodeExceedsRemaining refuses an allowance of more than the
	// invoice's remaining amount (or of 0).
	RtnCodeExceedsRemaining = 9903
	// RtnCodeInvoiceVoided refuses an allowance of a voided invoice.
	RtnCodeInvoiceVoided = 9904
	// RtnCodeNotCollegiate refuses AllowanceInvalidByCollegiate of an
	// allowance made by Allowance.
	RtnCodeNotCollegiate = 9905
	// RtnCodeRelateNumberMismatch refuses VoidWithReIssue whose
	// IssueModel.RelateNumber is not the voided invoice's.
	RtnCodeRelateNumberMismatch = 9906
	// RtnCodeNotVoided answers GetInvalid of an invoice, or
	// GetAllowanceInvalid of an allowance, that is not voided.
	RtnCodeNotVoided = 9907
	// RtnCodeSimulatorError answers a request the simulator could not
	// apply, a bug recorded in Violations.
	RtnCodeSimulatorError = 9999
)

// ownRtnMsgs are the RtnMsgs of the simulator's own RtnCodes.
var ownRtnMsgs = map[int]string{
	RtnCodeAlreadyVoided:        "發票已作廢過",
	RtnCodeExceedsRemaining:     "the allowance amount is not within the invoice's remaining amount (the simulator's own code)",
	RtnCodeInvoiceVoided:        "the invoice is voided: no allowance can be made (the simulator's own code)",
	RtnCodeNotCollegiate:        "the allowance is not an online one: void it with AllowanceInvalid (the simulator's own code)",
	RtnCodeRelateNumberMismatch: "IssueModel.RelateNumber is not the voided invoice's (the simulator's own code)",
	RtnCodeNotVoided:            "not voided: nothing to answer (the simulator's own code)",
	RtnCodeSimulatorError:       "the simulator could not apply the request (the simulator's own code)",
}

// TransMsg values (or, where they end in ": ", prefixes of them) of the
// simulator's TransCode errors, and the bodies of its HTTP 4xx answers.
// The RtnMsgs are ECPay's, from the pages' overlays (registry.Code).
const (
	transMsgOK               = ""
	transMsgInvalidEnvelope  = "request envelope does not match the spec: "
	transMsgUnknownMerchant  = "MerchantID is not a merchant of this simulator"
	transMsgTimestamp        = "RqHeader.Timestamp is more than %d minutes from the server clock"
	transMsgUndecryptable    = "Data does not decrypt with this merchant's HashKey and HashIV: "
	transMsgInvalidData      = "decrypted Data does not match the page's request Data schema: "
	transMsgMerchantMismatch = "MerchantID in Data differs from the envelope's MerchantID"
	transMsgInternalError    = "simulator internal error"
	msgInjected              = "injected fault"
	// defaultRtnMsg answers a code the overlays give no message.
	defaultRtnMsg = "成功 (the simulator's default answer)"

	httpMsgNotJSON     = "the body is not JSON"
	httpMsgContentType = "Content-Type must be application/json"
	httpMsgTooLarge    = "the body is larger than 1 MiB"
	httpMsgUnreadable  = "the body could not be read"
)
