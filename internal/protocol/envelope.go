package protocol

// The members of ECPay's envelopes and of the Data inside, by their JSON
// names, for code that reads an envelope as JSON rather than through the
// generated types (the proxy, the client's request editors).
const (
	MemberMerchantID = "MerchantID"
	MemberRqHeader   = "RqHeader"
	MemberRpHeader   = "RpHeader"
	MemberTimestamp  = "Timestamp" // of RqHeader and RpHeader
	MemberTransCode  = "TransCode"
	MemberTransMsg   = "TransMsg"
	MemberData       = "Data"
	MemberRtnCode    = "RtnCode" // inside the answer's Data
	MemberRtnMsg     = "RtnMsg"  // inside the answer's Data
)

// TransCodeOK is ECPay's TransCode of an accepted envelope; the outcome of
// the operation is the RtnCode inside Data.
const TransCodeOK = 1

// MaxResponseBytes bounds how much of an answer's body the client reads,
// and so what the proxy checks, so that a broken or hostile server cannot
// exhaust memory. ECPay's answers are a few hundred bytes.
const MaxResponseBytes = 1 << 20
