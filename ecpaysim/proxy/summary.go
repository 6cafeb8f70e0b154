package proxy

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
)

// The modes of a Summary.
const (
	ModeProxy  = "proxy"
	ModeReplay = "replay"
)

// Summary counts what a Proxy or a Replay has seen, as GET /_sim/state
// answers it and ecpay-sim prints it when it stops.
type Summary struct {
	// Mode is ModeProxy or ModeReplay.
	Mode string
	// Upstream is the Proxy's upstream URL (it never holds user
	// information); "" for a Replay.
	Upstream string `json:",omitempty"`
	// Merchants are the IDs of the merchants whose Data is checked (never
	// their keys).
	Merchants []string
	// Exchanges counts the requests answered (the admin API's aside).
	Exchanges int
	// UpstreamFailures counts the exchanges whose upstream failed (for a
	// Replay, the recorded failures it replayed): not violations.
	UpstreamFailures int
	// Violations counts the violations of every exchange, and
	// ViolationsBySide by side and rule ("request" → "maxLength" → 2).
	Violations       int
	ViolationsBySide map[string]map[string]int
	// RecordingErrors counts the exchanges that could not be written to
	// the recording (WithRecording).
	RecordingErrors int `json:",omitempty"`
	// Replay has a Replay's counts; nil for a Proxy.
	Replay *ReplayCounts `json:",omitempty"`
}

// ReplayCounts are the counts of a Replay.
type ReplayCounts struct {
	// Loaded counts the exchanges read from the recording.
	Loaded int
	// Served counts the requests answered from the recording; Unmatched
	// those it had no answer for.
	Served, Unmatched int
}

// ruleName is the key of a rule in Summary.ViolationsBySide.
func ruleName(rule string) string {
	if rule == "" {
		return "other"
	}
	return rule
}

// summary returns a copy of the counts.
func (o *observer) summary() Summary {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.counts
	s.Upstream = o.upstream
	s.Merchants = slices.Clone(o.ids)
	s.ViolationsBySide = make(map[string]map[string]int, len(o.counts.ViolationsBySide))
	for side, rules := range o.counts.ViolationsBySide {
		s.ViolationsBySide[side] = maps.Clone(rules)
	}
	if s.Replay != nil {
		r := *s.Replay
		s.Replay = &r
	}
	return s
}

// adminHandler serves GET /_sim/state with the Summary and refuses POST
// /_sim/delayed, which only the simulator has.
func (o *observer) adminHandler(refusal string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+serving.AdminPrefix+"state", func(w http.ResponseWriter, _ *http.Request) {
		serving.WriteJSON(w, http.StatusOK, o.summary())
	})
	mux.HandleFunc(serving.AdminPrefix+"delayed", func(w http.ResponseWriter, _ *http.Request) {
		header, body := serving.Plain(refusal)
		serving.Write(w, http.StatusNotFound, header, body)
	})
	return mux
}

// withAdmin serves the paths under AdminPrefix with admin and every other
// path with h, without a ServeMux, which would redirect a path that is not
// clean instead of letting h have it.
func withAdmin(admin, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, serving.AdminPrefix) {
			admin.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
