package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/suggest"
)

// Replay serves a recording (see WithRecording) without a network: an
// http.Handler that answers each request with the answer recorded for the
// same request, checking both as a Proxy does. Make it with NewReplay; it
// is safe for concurrent use, and nothing it serves changes what it serves.
//
// A request is read, checked and decrypted with the configured merchant's
// keys as by a Proxy, then matched on its operation, the envelope's
// MerchantID and its decrypted Data, compared as canonical JSON (members
// sorted, numbers as written): neither the Timestamp nor the rest of the
// envelope counts. Of the same request recorded several times, the latest
// line wins. Its recorded answer is sent again, re-sealed so that the
// client's checks pass: the recorded envelope with its RpHeader.Timestamp
// set to now (the Replay's clock) and, for TransCode 1, its Data encrypted
// anew from the recorded decrypted Data with the merchant's keys; every
// other member as recorded. A recorded upstream failure (a 403, an HTML
// 502, the Proxy's own 502) is sent again as recorded: status,
// Content-Type and body.
//
// A request it has no answer for gets 404 text/plain naming the operation
// and, among the recorded requests of that operation, the closest one (the
// fewest members of Data different, then the smallest edit distance) by
// its line in the recording and the members it differs in, never their
// values; or saying that none of that operation was recorded. The closest
// is sought among a bounded set of candidates, so that a miss costs the
// same however long the recording: the requests that share with it the
// value of a member few requests share (a Tsr), and the latest ones of the
// operation.
type Replay struct {
	obs      *observer
	recorded map[replayKey]*recordedRequest
	// byValue lists, by operation and member value, the recorded requests
	// whose Data has that value, up to maxPosting of them: the candidates
	// of a miss that has it.
	byValue map[memberKey][]*recordedRequest
	// latest are, by operation, the most recent recorded requests (a ring
	// of maxLatest): the candidates of any miss.
	latest map[string]*latestRing
	// undecrypted counts, by operation, the exchanges recorded without a
	// decrypted JSON Data, which cannot be matched.
	undecrypted map[string]int
}

// memberKey is a member of a Data with its canonical value.
type memberKey struct {
	op, name, value string
}

// The bounds of a miss's candidates: a value shared by more than
// maxPosting recorded requests does not tell them apart and is not
// followed; maxLatest recent requests of the operation are candidates
// too; there are never more than maxCandidates in all.
const (
	maxPosting    = 32
	maxLatest     = 32
	maxCandidates = 256
)

// latestRing keeps the most recent recorded requests of an operation.
type latestRing struct {
	recs [maxLatest]*recordedRequest
	next int
}

func (l *latestRing) add(rec *recordedRequest) {
	l.recs[l.next%maxLatest] = rec
	l.next++
}

// replayKey is what a request is matched on.
type replayKey struct {
	op, merchantID, data string
}

// recordedRequest is the latest exchange recorded for a request.
type recordedRequest struct {
	line    int
	ex      Exchange
	key     replayKey
	members map[string]string // the canonical JSON of each member of Data
	// superseded reports a request recorded again later: the later line
	// is the one replayed, and named.
	superseded bool
}

// NewReplay returns a Replay of the recording r, read to its end,
// configured by opts: WithMerchant (the stage merchant by default; the
// merchants whose requests it matches), WithClock, WithLogger and
// WithMaxInFlightBytes (a request beyond it gets 503 with Retry-After). A line
// that is not an exchange fails it with a *RecordingError naming the line.
func NewReplay(r io.Reader, opts ...ReplayOption) (*Replay, error) {
	cfg, err := configure(opts, ReplayOption.applyReplay)
	if err != nil {
		return nil, err
	}
	obs, err := newObserver(ModeReplay, cfg)
	if err != nil {
		return nil, err
	}
	rp := &Replay{obs: obs, recorded: map[replayKey]*recordedRequest{}, byValue: map[memberKey][]*recordedRequest{}, latest: map[string]*latestRing{}, undecrypted: map[string]int{}}
	counts := &ReplayCounts{}
	for line, err := range ReadRecording(r) {
		if err != nil {
			return nil, err
		}
		counts.Loaded++
		rp.add(line)
	}
	obs.counts.Replay = counts
	return rp, nil
}

// add indexes a line of the recording.
func (rp *Replay) add(line RecordingLine) {
	ex := line.Exchange
	op := registry.ByPath(ex.Path)
	if op == nil {
		return // a request to its path is no operation's either
	}
	key, values, ok := matchKey(op, &ex.Request)
	if !ok {
		rp.undecrypted[op.Name]++
		return
	}
	rec := &recordedRequest{line: line.Number, ex: ex, key: key, members: values}
	if old := rp.recorded[key]; old != nil {
		old.superseded = true
	}
	rp.recorded[key] = rec
	for name, value := range values {
		k := memberKey{op.Name, name, value}
		// One past the bound marks a value too common to follow.
		if list := rp.byValue[k]; len(list) <= maxPosting {
			rp.byValue[k] = append(list, rec)
		}
	}
	ring := rp.latest[op.Name]
	if ring == nil {
		ring = &latestRing{}
		rp.latest[op.Name] = ring
	}
	ring.add(rec)
}

// candidates returns the recorded requests of key's operation a miss with
// the canonical Data members values is compared with (see Replay): at most
// maxCandidates, none superseded.
func (rp *Replay) candidates(key replayKey, values map[string]string) []*recordedRequest {
	seen := map[*recordedRequest]bool{}
	var out []*recordedRequest
	add := func(rec *recordedRequest) {
		if rec != nil && !rec.superseded && !seen[rec] && len(out) < maxCandidates {
			seen[rec] = true
			out = append(out, rec)
		}
	}
	if ring := rp.latest[key.op]; ring != nil {
		for _, rec := range ring.recs {
			add(rec)
		}
	}
	// The members in a fixed order, so that the same miss gets the same
	// hint.
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if list := rp.byValue[memberKey{key.op, name, values[name]}]; len(list) <= maxPosting {
			for _, rec := range list {
				add(rec)
			}
		}
	}
	return out
}

// matchKey returns what a request m to op is matched on, and the canonical
// members of its Data; ok is false for a request whose Data did not decrypt
// to JSON or whose envelope has no MerchantID string.
func matchKey(op *registry.Operation, m *Message) (replayKey, map[string]string, bool) {
	merchantID, ok := unquote(members(m.Envelope)["MerchantID"])
	if !ok || !m.Decrypted || m.Data == nil {
		return replayKey{}, nil, false
	}
	data, err := canonical(m.Data)
	if err != nil {
		return replayKey{}, nil, false
	}
	values := map[string]string{}
	for name, raw := range members(m.Data) {
		values[name], _ = canonical(raw)
	}
	return replayKey{op.Name, merchantID, data}, values, true
}

// canonical returns the JSON raw with object members sorted by name,
// numbers as written and no insignificant space.
func canonical(raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// ServeHTTP answers r with the answer recorded for it (see Replay).
// Handler serves it beside its admin API.
func (rp *Replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rp.obs.serve(w, r, rp.answer)
}

// Handler returns the Replay with its admin API: AdminHandler for the
// paths under ecpaysim.AdminPrefix, the Replay for every other path, as it came
// (see Proxy.Handler).
func (rp *Replay) Handler() http.Handler { return withAdmin(rp.AdminHandler(), rp) }

// AdminHandler returns the admin API of the Replay: GET /_sim/state
// answers its Summary; POST /_sim/delayed is refused with 404 and a
// text/plain line saying why.
func (rp *Replay) AdminHandler() http.Handler {
	return rp.obs.adminHandler("this is a replay of a recording, not the simulator: its answers are recorded, there are no invoices to register")
}

// Summary returns the counts of the exchanges so far, with those of the
// recording.
func (rp *Replay) Summary() Summary { return rp.obs.summary() }

// answer returns the recorded answer to the request of ob, or a refusal.
func (rp *Replay) answer(ob *observation) (*http.Response, error) {
	key, values, why := rp.match(ob)
	rec := rp.recorded[key]
	switch {
	case why != "":
	case rec == nil:
		why = rp.unmatched(key, values)
	case rec.ex.Response.Omitted != "":
		why = fmt.Sprintf("the answer recorded for this %s request, on line %d of the recording, was not kept (%s): it cannot be replayed", key.op, rec.line, rec.ex.Response.Omitted)
	}
	rp.obs.mu.Lock()
	if why != "" {
		rp.obs.counts.Replay.Unmatched++
	} else {
		rp.obs.counts.Replay.Served++
	}
	rp.obs.mu.Unlock()
	if why != "" {
		return nil, &localAnswer{status: http.StatusNotFound, msg: "replay: " + why, note: "not answered: " + why}
	}
	return rp.resend(ob, rec)
}

// match returns what the request of ob is matched on, or why it cannot be.
func (rp *Replay) match(ob *observation) (replayKey, map[string]string, string) {
	m := &ob.ex.Request
	switch {
	case ob.op == nil:
		return replayKey{}, nil, "no operation of the pages has this path, so none of its requests was recorded"
	case ob.merchantID == "":
		return replayKey{}, nil, "the request envelope has no MerchantID string: it cannot be matched"
	case ob.codec == nil:
		return replayKey{}, nil, fmt.Sprintf("the keys of merchant %q were not given to the replay: its requests cannot be matched", serving.Truncate(ob.merchantID, 40))
	case !m.Decrypted:
		return replayKey{}, nil, fmt.Sprintf("the request's Data does not decrypt with the keys of merchant %s: it cannot be matched", ob.merchantID)
	case m.Data == nil:
		return replayKey{}, nil, "the request's decrypted Data is not JSON: it cannot be matched"
	}
	key, values, ok := matchKey(ob.op, m)
	if !ok {
		return replayKey{}, nil, "the request's decrypted Data is not JSON: it cannot be matched"
	}
	return key, values, ""
}

// maxNamed bounds the members an unmatched message names.
const maxNamed = 10

// unmatched says that no answer to a request (its key, the canonical
// values of its Data) was recorded, and which recorded request of its
// operation comes closest.
func (rp *Replay) unmatched(key replayKey, values map[string]string) string {
	type candidate struct {
		rec  *recordedRequest
		data string
		diff []string
		dist int // -1 until needed
	}
	var best *candidate
	for _, rec := range rp.candidates(key, values) {
		k := rec.key
		c := &candidate{rec: rec, data: k.data, diff: differences(values, rec.members), dist: -1}
		if k.merchantID != key.merchantID {
			c.diff = append(c.diff, "the envelope's MerchantID")
		}
		switch {
		case best == nil || len(c.diff) < len(best.diff):
			best = c
			continue
		case len(c.diff) > len(best.diff):
			continue
		}
		if best.dist < 0 {
			best.dist = editDistance(key.data, best.data)
		}
		c.dist = editDistance(key.data, c.data)
		if c.dist < best.dist || (c.dist == best.dist && c.rec.line > best.rec.line) {
			best = c
		}
	}
	if best == nil {
		msg := fmt.Sprintf("no recorded answer for this %s request: the recording has no %s request", key.op, key.op)
		if n := rp.undecrypted[key.op]; n > 0 {
			msg += fmt.Sprintf(" with a decrypted Data (%d without: the proxy had no keys for their merchant, or their Data did not decrypt)", n)
		}
		return msg
	}
	diff := best.diff
	if len(diff) > maxNamed {
		diff = append(diff[:maxNamed:maxNamed], fmt.Sprintf("%d more", len(diff)-maxNamed))
	}
	return fmt.Sprintf("no recorded answer for this %s request; the closest recorded %s request, on line %d of the recording, differs in %s",
		key.op, key.op, best.rec.line, strings.Join(diff, ", "))
}

// differences names the members whose values differ between two Data, or
// that only one of them has: "Tsr", sorted.
func differences(a, b map[string]string) []string {
	var out []string
	for name, v := range a {
		if w, ok := b[name]; !ok || w != v {
			out = append(out, strconv.Quote(serving.Truncate(name, 40)))
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			out = append(out, strconv.Quote(serving.Truncate(name, 40)))
		}
	}
	slices.Sort(out)
	return out
}

// maxDistanceBytes bounds the strings editDistance compares, so that a
// large Data costs no more than a small one.
const maxDistanceBytes = 256

// editDistance is the Levenshtein distance between the first
// maxDistanceBytes bytes of a and of b.
func editDistance(a, b string) int {
	return suggest.Distance(a[:min(len(a), maxDistanceBytes)], b[:min(len(b), maxDistanceBytes)])
}

// resend returns the answer recorded in rec, re-sealed for the request of
// ob (see Replay).
func (rp *Replay) resend(ob *observation, rec *recordedRequest) (*http.Response, error) {
	m := &rec.ex.Response
	body := m.Body()
	if rec.ex.UpstreamFailure != "" {
		ob.ex.UpstreamFailure = "replayed: " + rec.ex.UpstreamFailure
	} else if m.Envelope != nil {
		var err error
		if body, err = reseal(m, ob.codec, rp.obs.clock().Unix()); err != nil {
			return nil, &localAnswer{status: http.StatusNotFound, msg: fmt.Sprintf("replay: the answer recorded on line %d cannot be re-sealed: %v", rec.line, err)}
		}
	}
	h := http.Header{"Content-Length": {strconv.Itoa(len(body))}}
	if m.ContentType != "" {
		h.Set("Content-Type", m.ContentType)
	}
	return &http.Response{StatusCode: m.Status, Header: h, ContentLength: int64(len(body)), Body: io.NopCloser(bytes.NewReader(body))}, nil
}

// reseal returns the recorded answer envelope of m with its
// RpHeader.Timestamp set to now and, for TransCode 1, its Data encrypted
// anew from the recorded plaintext with codec; every other member, and
// the order of all, as recorded.
func reseal(m *Message, codec *ecpaycrypto.Codec, now int64) ([]byte, error) {
	replace := map[string]func(json.RawMessage) (json.RawMessage, error){
		"RpHeader": func(raw json.RawMessage) (json.RawMessage, error) {
			return rewriteMembers(raw, map[string]func(json.RawMessage) (json.RawMessage, error){
				"Timestamp": func(json.RawMessage) (json.RawMessage, error) { return strconv.AppendInt(nil, now, 10), nil },
			})
		},
	}
	if transCodeOK(members(m.Envelope)) && m.Decrypted {
		replace["Data"] = func(json.RawMessage) (json.RawMessage, error) {
			data, err := codec.Encrypt(m.Plaintext())
			if err != nil {
				return nil, err
			}
			return json.Marshal(data)
		}
	}
	return rewriteMembers(m.Envelope, replace)
}

// rewriteMembers returns the JSON object raw with the value of each member
// named in replace replaced by what its function returns, in the order
// and with the other members of raw; raw itself when it is not an object.
func rewriteMembers(raw json.RawMessage, replace map[string]func(json.RawMessage) (json.RawMessage, error)) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return raw, nil
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for i := 0; dec.More(); i++ {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := t.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		if f := replace[name]; f != nil {
			if value, err = f(value); err != nil {
				return nil, err
			}
		}
		if i > 0 {
			out.WriteByte(',')
		}
		quoted, err := json.Marshal(name)
		if err != nil {
			return nil, err
		}
		out.Write(quoted)
		out.WriteByte(':')
		out.Write(value)
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}
