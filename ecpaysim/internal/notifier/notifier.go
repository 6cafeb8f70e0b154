// Package notifier is the simulator's sender of ECPay's e-invoice
// notifications: given a URL, a notification (package notify) and the
// merchant's keys, it signs the notification's form with notify's
// CheckMacValue, posts it, tries again as configured, and records each
// delivery in a bounded list for the simulator's state.
//
// Sending never blocks: Send checks the URL, records the delivery and
// returns; the posting happens on a goroutine of its own, at most
// MaxInFlight at once. Close cancels what is in flight and waits for it.
//
// What ECPay does is only partly known: it expects 200 and exactly 1|OK
// (its API guide, guides/21), and for these e-invoice notifications it
// publishes no retry policy and no timeout. The defaults here are the
// simulator's own choice: an attempt times out after 10 seconds (the time
// ECPay's guide gives a merchant to answer its other notifications), and a
// delivery that is not answered 1|OK is tried 4 times in all (as often as
// ECPay's guide says it sends its payment notifications in a day), 1, 2 and
// 4 seconds apart; a redirect is not followed; then it is recorded as failed.
package notifier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ecpay-go/einvoice/ecpaycrypto"
	"github.com/ecpay-go/einvoice/internal/protocol"
	"github.com/ecpay-go/einvoice/internal/redact"
	"github.com/ecpay-go/einvoice/notify"
)

// Defaults, the simulator's own choice (see the package comment).
const (
	DefaultAttempts = 4
	DefaultTimeout  = 10 * time.Second
	DefaultLimit    = 1000
	// MaxInFlight is how many deliveries may be under way at once; beyond it
	// Send records the delivery as failed at once.
	MaxInFlight = 64
)

// DefaultBackoff waits 1, 2, 4… seconds after the first, second, third…
// failed attempt.
func DefaultBackoff(failed int) time.Duration {
	return time.Second << min(failed-1, 10)
}

// Delivery is the record of one notification sent: where, how often, what
// the last attempt got, and whether it was taken.
type Delivery struct {
	// ID numbers the deliveries in the order they were sent, from 1.
	ID int
	// Kind is the notification's: "invoiced" or "allowance".
	Kind string
	// URL is where it is posted (without a password).
	URL string
	// MerchantID is the merchant whose keys signed it.
	MerchantID string
	// Attempts counts the posts made so far.
	Attempts int
	// Status is the HTTP status of the last answer, 0 if none came.
	Status int
	// Answer is the start of the last answer's body, on one line.
	Answer string
	// Error is why the last attempt failed, if it did.
	Error string
	// Delivered is true once an attempt was answered 200 and 1|OK.
	Delivered bool
	// Done is true once the delivery is over: delivered, given up or
	// cancelled.
	Done bool
	// Sent is when Send was called; Last when the last attempt ended.
	Sent, Last time.Time
}

// Option configures a Notifier.
type Option func(*Notifier)

// WithClient posts with c instead of a client of its own (which never
// follows a redirect); WithTimeout still bounds each attempt.
func WithClient(c *http.Client) Option { return func(n *Notifier) { n.client = c } }

// WithTimeout bounds each attempt to d (DefaultTimeout).
func WithTimeout(d time.Duration) Option { return func(n *Notifier) { n.timeout = d } }

// WithAttempts makes at most attempts posts per delivery (DefaultAttempts);
// less than 1 is 1.
func WithAttempts(attempts int) Option {
	return func(n *Notifier) { n.attempts = max(1, attempts) }
}

// WithBackoff sets how long to wait after the failed-th failed attempt
// before the next (DefaultBackoff).
func WithBackoff(backoff func(failed int) time.Duration) Option {
	return func(n *Notifier) { n.backoff = backoff }
}

// WithSleep sets how the notifier waits between attempts: sleep must return
// after d, or at once with ctx's error when ctx is done. Tests give one
// that does not wait.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(n *Notifier) { n.sleep = sleep }
}

// WithClock sets the clock of the records' times (time.Now): the
// simulator's.
func WithClock(now func() time.Time) Option { return func(n *Notifier) { n.now = now } }

// WithLimit keeps at most limit records (DefaultLimit), dropping the
// oldest finished one first; less than 1 is 1.
func WithLimit(limit int) Option { return func(n *Notifier) { n.limit = max(1, limit) } }

// Notifier sends notifications and records their deliveries. It is safe for
// concurrent use. Create it with New and stop it with Close.
type Notifier struct {
	client   *http.Client
	timeout  time.Duration
	attempts int
	backoff  func(int) time.Duration
	sleep    func(context.Context, time.Duration) error
	now      func() time.Time
	limit    int

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	nextID   int
	inFlight int
	records  []*Delivery // oldest first
}

// New returns a Notifier configured by opts.
func New(opts ...Option) *Notifier {
	n := &Notifier{
		timeout:  DefaultTimeout,
		attempts: DefaultAttempts,
		backoff:  DefaultBackoff,
		sleep:    protocol.Sleep,
		now:      time.Now,
		limit:    DefaultLimit,
	}
	for _, opt := range opts {
		opt(n)
	}
	if n.client == nil {
		n.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	return n
}

// ErrClosed is Send's error after Close.
var ErrClosed = errors.New("notifier: closed")

// ErrBusy is Send's error when MaxInFlight deliveries are under way; the
// delivery is recorded, as failed.
var ErrBusy = fmt.Errorf("notifier: %d deliveries already under way", MaxInFlight)

// Send records a delivery of v to target signed with keys, and starts it
// without waiting for it; it returns the delivery's ID. It refuses a target
// that is not an absolute http or https URL, a notification naming another
// merchant than keys, and any Send after Close.
func (n *Notifier) Send(target string, v notify.Notification, keys notify.Keys) (int, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return 0, fmt.Errorf("notifier: the notification URL must be an absolute http or https URL, not %q", redact.Text(nil, target, 80))
	}
	form := keys.Sign(v.Form())
	if id := form.Get(notify.FieldMerchantID); id != "" && id != keys.MerchantID {
		return 0, fmt.Errorf("notifier: a notification of merchant %s signed with the keys of %v", redact.Text(nil, id, 20), keys)
	}
	codec, _ := ecpaycrypto.New(keys.HashKey, keys.HashIV) // nil (redacting nothing) for keys of another size
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return 0, ErrClosed
	}
	n.nextID++
	d := &Delivery{ID: n.nextID, Kind: v.Kind(), URL: u.Redacted(), MerchantID: keys.MerchantID, Sent: n.now()}
	n.keep(d)
	if n.inFlight >= MaxInFlight {
		d.Done, d.Error, d.Last = true, ErrBusy.Error(), d.Sent
		return d.ID, ErrBusy
	}
	n.inFlight++
	n.wg.Add(1)
	go n.deliver(d.ID, target, form.Encode(), codec)
	return d.ID, nil
}

// keep adds d to the records, dropping the oldest finished record (else
// the oldest) beyond the limit. n.mu is held.
func (n *Notifier) keep(d *Delivery) {
	n.records = append(n.records, d)
	if len(n.records) <= n.limit {
		return
	}
	drop := 0
	for i, r := range n.records {
		if r.Done {
			drop = i
			break
		}
	}
	n.records = append(n.records[:drop], n.records[drop+1:]...)
}

// update applies change to the record of delivery id, if it is still kept.
func (n *Notifier) update(id int, change func(*Delivery)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, r := range n.records {
		if r.ID == id {
			change(r)
			return
		}
	}
}

// deliver posts body to target until it is taken, the attempts run out or
// the notifier is closed.
func (n *Notifier) deliver(id int, target, body string, codec *ecpaycrypto.Codec) {
	defer n.wg.Done()
	defer func() {
		n.mu.Lock()
		n.inFlight--
		n.mu.Unlock()
	}()
	for attempt := 1; ; attempt++ {
		status, answer, err := n.post(target, body, codec)
		taken := Taken(status, answer, err)
		n.update(id, func(d *Delivery) {
			d.Attempts, d.Status, d.Answer, d.Last = attempt, status, answer, n.now()
			d.Error = ""
			if err != nil {
				d.Error = redact.Text(codec, err.Error(), redact.Limit)
			}
			d.Delivered = taken
			d.Done = taken || attempt >= n.attempts
		})
		if taken || attempt >= n.attempts {
			return
		}
		if err := n.sleep(n.ctx, n.backoff(attempt)); err != nil {
			n.update(id, func(d *Delivery) { d.Done, d.Error = true, "cancelled: the notifier was closed" })
			return
		}
	}
}

// post makes one attempt: the status and the start of the answer, or why
// none came.
func (n *Notifier) post(target, body string, codec *ecpaycrypto.Codec) (int, string, error) {
	ctx, cancel := context.WithTimeout(n.ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := n.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, int64(redact.ReadLimit(redact.Limit))))
	if err != nil {
		return res.StatusCode, "", err
	}
	return res.StatusCode, redact.Text(codec, string(raw), redact.Limit), nil
}

// Taken reports whether an attempt delivered the notification: a 200
// answered exactly notify.AnswerOK, as ECPay requires (a trailing newline
// or a quoted "1|OK" is not taken). Anything else is tried again.
func Taken(status int, answer string, err error) bool {
	return err == nil && status == http.StatusOK && answer == notify.AnswerOK
}

// Deliveries returns a copy of the records, oldest first.
func (n *Notifier) Deliveries() []Delivery {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]Delivery, len(n.records))
	for i, r := range n.records {
		out[i] = *r
	}
	return out
}

// Wait returns once every delivery sent so far is over.
func (n *Notifier) Wait() { n.wg.Wait() }

// Close refuses any further Send, cancels the deliveries under way (an
// attempt in progress is cut short, a wait between attempts ends) and waits
// for them. It is safe to call more than once.
func (n *Notifier) Close() {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	n.cancel()
	n.wg.Wait()
}
