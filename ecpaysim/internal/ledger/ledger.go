// Package ledger is the simulator's book of issued invoices and their
// allowances, per merchant, with no HTTP in it: package ecpaysim answers
// Issue, GetIssue, Invalid, Allowance and the rest from it, and so does
// any part of the simulator that issues an invoice (a triggered or
// scheduled delayed invoice calls Issue) or shows one (InvoicePrint looks
// it up with Lookup or ByNumber).
//
// The stable entry points, which other parts of the simulator call:
//
//   - New(Config) makes a Ledger; Config.Now is the clock it dates
//     invoices by (the simulator's own, which tests may advance);
//   - Ledger.Issue(merchantID, Input) issues an invoice: the next number
//     of the merchant's track, a RandomNumber, the date of now in Taipei;
//     a RelateNumber the merchant's book already holds is refused with
//     ErrDuplicateRelateNumber;
//   - Ledger.Lookup(merchantID, Key) finds an invoice by its number (and,
//     when given, its issue date) or by its RelateNumber; ByNumber is the
//     same by number alone;
//   - Ledger.List(merchantID, Filter) pages through a merchant's invoices.
//
// Every Invoice and Allowance returned is a snapshot: changing it changes
// nothing in the Ledger. A Ledger is safe for concurrent use; Issue and
// the lookups are map look-ups, never scans.
//
// Numbers: each merchant draws from a track (字軌) of two capital letters
// and 8 digits, allocated in order from Config.First to Config.Last
// (ErrTrackExhausted past it). ECPay assigns each merchant the tracks the
// tax ministry gave it; the simulator's default track, DefaultTrack "SM"
// from 00000001, is its own. The RandomNumber is 4 digits from a seeded
// generator (the same seed, the same numbers). Dates are Taipei time
// (GMT+8, the fixed offset Taipei, which has no daylight saving).
//
// Bound: a merchant's book holds at most Config.Limit invoices. Issuing
// one more evicts the oldest settled invoice first, settled meaning voided
// (its life is over: nothing but a look-up can be done with it), the one
// voided longest ago; when none is settled, the oldest invoice issued. An
// evicted invoice is forgotten with its allowances: its RelateNumber can
// be issued again and looking it up finds nothing.
package ledger

import (
	"container/list"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Taipei is GMT+8, the zone of every date of ECPay's invoices.
var Taipei = time.FixedZone("Asia/Taipei", 8*60*60)

// Layouts of the dates of ECPay's answers and requests, in Taipei time.
const (
	// DateTimeLayout is Issue's InvoiceDate and GetIssue's IIS_Create_Date.
	DateTimeLayout = "2006-01-02 15:04:05"
	// DateLayout is the date a request names an invoice by.
	DateLayout = "2006-01-02"
)

// DefaultTrack is the simulator's own track (字軌) when Config.Track is empty.
const DefaultTrack = "SM"

// DefaultLimit is how many invoices a merchant's book holds when
// Config.Limit is 0.
const DefaultLimit = 100_000

// lastNumber is the highest 8-digit number of a track.
const lastNumber = 99_999_999

// Errors of the Ledger, matched with errors.Is; the simulator answers each
// with an RtnCode (see package ecpaysim).
var (
	// ErrDuplicateRelateNumber: the merchant already has an invoice with
	// this RelateNumber (compared without regard to case, as ECPay does).
	ErrDuplicateRelateNumber = errors.New("ledger: RelateNumber already issued")
	// ErrTrackExhausted: the merchant's track has no number left.
	ErrTrackExhausted = errors.New("ledger: the track has no number left")
	// ErrNotFound: no invoice of the merchant matches.
	ErrNotFound = errors.New("ledger: no such invoice")
	// ErrBadDate: a date is not yyyy-MM-dd or yyyy/MM/dd.
	ErrBadDate = errors.New("ledger: date is not yyyy-MM-dd or yyyy/MM/dd")
	// ErrVoided: the invoice is voided already.
	ErrVoided = errors.New("ledger: invoice already voided")
	// ErrHasAllowance: the invoice has an allowance that is not voided.
	ErrHasAllowance = errors.New("ledger: invoice has a live allowance")
	// ErrExceedsRemaining: the allowance is more than the invoice has left.
	ErrExceedsRemaining = errors.New("ledger: allowance exceeds the invoice's remaining amount")
	// ErrBadAmount: an allowance of 0 or less.
	ErrBadAmount = errors.New("ledger: allowance amount must be positive")
	// ErrRelateNumberMismatch: a reissue names another RelateNumber than
	// the invoice's.
	ErrRelateNumberMismatch = errors.New("ledger: RelateNumber is not the invoice's")
	// ErrAllowanceNotFound: no allowance of the invoice has this number.
	ErrAllowanceNotFound = errors.New("ledger: no such allowance")
	// ErrAllowanceVoided: the allowance is voided already.
	ErrAllowanceVoided = errors.New("ledger: allowance already voided")
	// ErrAllowanceAgreed: the buyer agreed to the online allowance, which
	// can then no longer be cancelled, only voided.
	ErrAllowanceAgreed = errors.New("ledger: the buyer agreed to the allowance")
	// ErrNotCollegiate: the allowance is not an online (collegiate) one.
	ErrNotCollegiate = errors.New("ledger: not an online allowance")
)

// Config configures a Ledger; the zero value is valid.
type Config struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Track is the two capital letters of every merchant's invoice
	// numbers; DefaultTrack when empty.
	Track string
	// First and Last bound the 8-digit numbers of the track, both
	// included: 1 to 99999999 when both are 0.
	First, Last int
	// Limit is the most invoices a merchant's book holds; DefaultLimit
	// when 0.
	Limit int
	// Seed seeds the RandomNumbers.
	Seed uint64
}

// Ledger is the book of every merchant's invoices. Make it with New.
type Ledger struct {
	now         func() time.Time
	track       string
	first, last int
	limit       int

	mu    sync.Mutex
	rnd   *rand.Rand
	books map[string]*book
}

// book is one merchant's invoices.
type book struct {
	next     int // the next number of the track
	byNo     map[string]*entry
	byRelate map[string]*entry // by upper-cased RelateNumber
	issued   *list.List        // of *entry, oldest issued first
	settled  *list.List        // of *entry, voided longest ago first
	// allowances are every allowance of the book's invoices by number.
	allowances map[string]*allowance
	allowSeq   int
}

// entry is an invoice in a book, with its places in the book's lists.
type entry struct {
	inv     Invoice // Allowances and Remaining are kept in allows
	allows  []*allowance
	issued  *list.Element
	settled *list.Element // nil until voided
}

// New returns an empty Ledger configured by c, or an error naming the
// setting at fault.
func New(c Config) (*Ledger, error) {
	l := &Ledger{now: c.Now, track: c.Track, first: c.First, last: c.Last, limit: c.Limit, books: map[string]*book{}}
	if l.now == nil {
		l.now = time.Now
	}
	if l.track == "" {
		l.track = DefaultTrack
	}
	if len(l.track) != 2 || !isUpper(l.track[0]) || !isUpper(l.track[1]) {
		return nil, fmt.Errorf("ledger: Track %q: want two capital letters A-Z", l.track)
	}
	if l.first == 0 && l.last == 0 {
		l.first, l.last = 1, lastNumber
	}
	if l.first < 0 || l.last > lastNumber || l.first > l.last {
		return nil, fmt.Errorf("ledger: First %d, Last %d: want 0 <= First <= Last <= %d", l.first, l.last, lastNumber)
	}
	if l.limit == 0 {
		l.limit = DefaultLimit
	}
	if l.limit < 0 {
		return nil, fmt.Errorf("ledger: Limit %d: want 1 or more (0 for %d)", l.limit, DefaultLimit)
	}
	l.rnd = rand.New(rand.NewPCG(c.Seed, c.Seed^0x5eed))
	return l, nil
}

func isUpper(b byte) bool { return 'A' <= b && b <= 'Z' }

// Issue issues an invoice of merchantID from in: the next number of the
// merchant's track, a RandomNumber and the date of now. It refuses a
// RelateNumber the merchant's book holds (ErrDuplicateRelateNumber) and a
// track with no number left (ErrTrackExhausted), changing nothing. in's
// Items are copied.
func (l *Ledger) Issue(merchantID string, in Input) (Invoice, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.book(merchantID)
	if err := l.issuable(b, in); err != nil {
		return Invoice{}, err
	}
	return l.issue(merchantID, b, in).snapshot(), nil
}

// issuable reports why in cannot be issued in b, or nil.
func (l *Ledger) issuable(b *book, in Input) error {
	if _, dup := b.byRelate[strings.ToUpper(in.RelateNumber)]; dup {
		return fmt.Errorf("%w: %q", ErrDuplicateRelateNumber, in.RelateNumber)
	}
	if b.next > l.last {
		return fmt.Errorf("%w: %s%08d to %s%08d are used", ErrTrackExhausted, l.track, l.first, l.track, l.last)
	}
	return nil
}

// issue stores in as b's next invoice; issuable(b, in) must be nil.
func (l *Ledger) issue(merchantID string, b *book, in Input) *entry {
	if b.issued.Len() >= l.limit {
		b.evict()
	}
	in.Items = append([]Item(nil), in.Items...)
	e := &entry{inv: Invoice{
		MerchantID:   merchantID,
		InvoiceNo:    fmt.Sprintf("%s%08d", l.track, b.next),
		InvoiceDate:  l.now().In(Taipei),
		RandomNumber: fmt.Sprintf("%04d", l.rnd.IntN(10000)),
		Input:        in,
		Status:       Issued,
	}}
	b.next++
	e.issued = b.issued.PushBack(e)
	b.byNo[e.inv.InvoiceNo] = e
	b.byRelate[strings.ToUpper(in.RelateNumber)] = e
	return e
}

// book returns merchantID's book, made empty on first use.
func (l *Ledger) book(merchantID string) *book {
	b := l.books[merchantID]
	if b == nil {
		b = &book{next: l.first, byNo: map[string]*entry{}, byRelate: map[string]*entry{},
			issued: list.New(), settled: list.New(), allowances: map[string]*allowance{}}
		l.books[merchantID] = b
	}
	return b
}

// evict forgets the oldest settled invoice, else the oldest issued one,
// with its allowances.
func (b *book) evict() {
	el := b.settled.Front()
	if el == nil {
		el = b.issued.Front()
	}
	if el == nil {
		return
	}
	e := el.Value.(*entry)
	b.issued.Remove(e.issued)
	if e.settled != nil {
		b.settled.Remove(e.settled)
	}
	delete(b.byNo, e.inv.InvoiceNo)
	delete(b.byRelate, strings.ToUpper(e.inv.RelateNumber))
	for _, a := range e.allows {
		delete(b.allowances, a.AllowanceNo)
	}
}

// Key names one invoice of a merchant for Lookup: by InvoiceNo, with its
// issue date when Date is not empty, else by RelateNumber.
type Key struct {
	InvoiceNo string
	// Date is the invoice's issue date in Taipei, yyyy-MM-dd or
	// yyyy/MM/dd (a time after it, as VoidWithReIssue sends, is ignored);
	// empty matches any date.
	Date         string
	RelateNumber string
}

// Lookup returns merchantID's invoice named by k: by k.InvoiceNo when it
// is not empty (and issued on k.Date when that is not empty), else by
// k.RelateNumber (without regard to case). Errors match ErrNotFound or
// ErrBadDate.
func (l *Ledger) Lookup(merchantID string, k Key) (Invoice, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, err := l.find(merchantID, k)
	if err != nil {
		return Invoice{}, err
	}
	return e.snapshot(), nil
}

// ByNumber returns merchantID's invoice invoiceNo, and false when the
// book has none.
func (l *Ledger) ByNumber(merchantID, invoiceNo string) (Invoice, bool) {
	inv, err := l.Lookup(merchantID, Key{InvoiceNo: invoiceNo})
	return inv, err == nil
}

// find returns the entry k names; l.mu is held.
func (l *Ledger) find(merchantID string, k Key) (*entry, error) {
	b := l.books[merchantID]
	var e *entry
	if b != nil {
		if k.InvoiceNo != "" {
			e = b.byNo[k.InvoiceNo]
		} else if k.RelateNumber != "" {
			e = b.byRelate[strings.ToUpper(k.RelateNumber)]
		}
	}
	if k.InvoiceNo != "" && k.Date != "" {
		day, err := ParseDate(k.Date)
		if err != nil {
			return nil, err
		}
		if e != nil && !sameDay(e.inv.InvoiceDate, day) {
			e = nil
		}
	}
	if e == nil {
		return nil, fmt.Errorf("%w: InvoiceNo %q, date %q, RelateNumber %q", ErrNotFound, k.InvoiceNo, k.Date, k.RelateNumber)
	}
	return e, nil
}

// ParseDate reads a date of a request, yyyy-MM-dd or yyyy/MM/dd with
// anything after the 10th character ignored (a time, a trailing space),
// as midnight in Taipei. Errors match ErrBadDate.
func ParseDate(s string) (time.Time, error) {
	if len(s) >= 10 {
		d := strings.ReplaceAll(s[:10], "/", "-")
		if t, err := time.ParseInLocation(DateLayout, d, Taipei); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: %q", ErrBadDate, s)
}

func sameDay(t, day time.Time) bool {
	y1, m1, d1 := t.In(Taipei).Date()
	y2, m2, d2 := day.In(Taipei).Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

// Len returns how many invoices merchantID's book holds.
func (l *Ledger) Len(merchantID string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.books[merchantID]; b != nil {
		return b.issued.Len()
	}
	return 0
}
