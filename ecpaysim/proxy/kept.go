package proxy

import "sync"

// The bounds of the exchanges a Proxy or a Replay keeps in memory for
// Exchanges (the inspector page of ecpay-sim shows them): the latest
// KeptExchanges of them, within KeptBytes of bodies and Data.
const (
	KeptExchanges = 200
	KeptBytes     = 16 << 20
)

// KeptExchange is an exchange as Exchanges returns it: the Exchange as it
// would be recorded (its TransMsg and RtnMsg made safe, never a key) and
// its number.
type KeptExchange struct {
	// Seq numbers the exchanges a Proxy or a Replay has answered, from 1;
	// a kept exchange keeps its number when older ones are dropped.
	Seq int64
	Exchange
}

// Exchanges returns the latest exchanges the Proxy has answered, oldest
// first: at most KeptExchanges, within KeptBytes (an exchange larger than
// that alone is kept without its bodies, each Message's Omitted saying so).
func (p *Proxy) Exchanges() []KeptExchange { return p.obs.kept.list() }

// Exchanges returns the latest exchanges the Replay has answered, as
// Proxy.Exchanges does.
func (rp *Replay) Exchanges() []KeptExchange { return rp.obs.kept.list() }

// keptLog is the bounded list of kept exchanges.
type keptLog struct {
	mu    sync.Mutex
	seq   int64
	items []KeptExchange
	sizes []int
	bytes int
}

// add keeps ex, dropping the oldest beyond the bounds.
func (k *keptLog) add(ex Exchange) {
	size := keptSize(&ex)
	if size > KeptBytes {
		const omitted = "not kept for the inspector: larger than the bytes it keeps"
		ex.Request = Message{Status: ex.Request.Status, ContentType: ex.Request.ContentType, Omitted: omitted}
		ex.Response = Message{Status: ex.Response.Status, ContentType: ex.Response.ContentType, Omitted: omitted}
		size = keptSize(&ex)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.seq++
	for len(k.items) > 0 && (len(k.items) >= KeptExchanges || k.bytes+size > KeptBytes) {
		k.bytes -= k.sizes[0]
		k.items, k.sizes = k.items[1:], k.sizes[1:]
	}
	k.items = append(k.items, KeptExchange{Seq: k.seq, Exchange: ex})
	k.sizes = append(k.sizes, size)
	k.bytes += size
}

// list returns a copy of the kept exchanges, oldest first.
func (k *keptLog) list() []KeptExchange {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]KeptExchange(nil), k.items...)
}

// keptSize is what an exchange holds: its bodies and Data, its notes
// and violations, and a fixed amount for the rest.
func keptSize(ex *Exchange) int {
	n := 1024 + len(ex.UpstreamFailure)
	for _, m := range []*Message{&ex.Request, &ex.Response} {
		n += len(m.Envelope) + len(m.Text) + len(m.Base64) + len(m.Data) + len(m.DataText) + len(m.DataBase64) + len(m.Omitted)
	}
	for _, s := range ex.Notes {
		n += len(s)
	}
	for _, v := range ex.Violations {
		n += 64 + len(v.Pointer) + len(v.Rule) + len(v.Reason)
	}
	return n
}

// NewMessage returns one side of an Exchange as a Proxy records it: body
// in the first of Envelope, Text and Base64 that can hold it and, when
// decrypted, plaintext in the first of Data, DataText and DataBase64. It is
// for traffic a Proxy did not see, such as the simulator's, to be checked
// with CheckExchange and shown as a Proxy's.
func NewMessage(status int, contentType string, body, plaintext []byte, decrypted bool) Message {
	m := Message{Status: status, ContentType: contentType}
	m.setBody(body)
	if decrypted {
		m.setPlaintext(plaintext)
	}
	return m
}
