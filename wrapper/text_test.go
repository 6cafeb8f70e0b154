package wrapper_test

import (
	"encoding/json"
	"testing"

	"github.com/ecpay-go/einvoice/generated/triggerissue"
	"github.com/ecpay-go/einvoice/wrapper"
)

// A request field holding bytes that are not UTF-8 is refused, naming the
// field, on every way into the core — where encoding/json would otherwise
// send U+FFFD, another Tsr than the one meant. The editor of the generated
// clients is tested in editor_test.go.
func TestInvalidUTF8IsNeverSent(t *testing.T) {
	const bad = "T\xff1"
	ways := map[string]struct {
		op   string
		send func(c *wrapper.Client) error
	}{
		"CancelDelayIssue": {op: "CancelDelayIssue", send: func(c *wrapper.Client) error {
			_, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{Tsr: bad})
			return err
		}},
		"TriggerIssue": {op: "TriggerIssue", send: func(c *wrapper.Client) error {
			_, err := c.TriggerIssue(bg, wrapper.TriggerIssueRequest{Tsr: bad, PayType: triggerissue.PayType2})
			return err
		}},
		"Validate": {op: "CancelDelayIssue", send: func(c *wrapper.Client) error {
			return c.Validate(wrapper.CancelDelayIssueRequest{Tsr: bad})
		}},
		"Validate of a pointer": {op: "TriggerIssue", send: func(c *wrapper.Client) error {
			return c.Validate(&wrapper.TriggerIssueRequest{Tsr: bad, PayType: triggerissue.PayType2})
		}},
		"Call": {op: "TriggerIssue", send: func(c *wrapper.Client) error {
			_, err := c.Call(bg, "TriggerIssue", json.RawMessage(`{"Tsr":"`+bad+`","PayType":"2"}`))
			return err
		}},
		"ValidateCall": {op: "CancelDelayIssue", send: func(c *wrapper.Client) error {
			return c.ValidateCall("CancelDelayIssue", json.RawMessage(`{"Tsr":"`+bad+`"}`))
		}},
	}
	for name, w := range ways {
		t.Run(name, func(t *testing.T) {
			sim := newSim(t)
			wantValidation(t, w.send(client(t, sim.URL)), w.op, "Tsr", "utf8")
			wantNothingSent(t, sim)
		})
	}
	t.Run("in the request's MerchantID", func(t *testing.T) {
		sim := newSim(t)
		_, err := client(t, sim.URL).CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{MerchantID: "2000\xff132", Tsr: "T1"})
		wantValidation(t, err, "CancelDelayIssue", "MerchantID", "utf8")
		wantNothingSent(t, sim)
	})
}

// What the caller wrote is sent as written: a real U+FFFD, the six
// characters \ufffd (the check counts backslashes), and a backslash before
// the invalid byte, which is still refused.
func TestTextLikeAReplacementIsSentAsGiven(t *testing.T) {
	tests := map[string]struct {
		tsr    string
		refuse bool
	}{
		"a real U+FFFD":                        {tsr: "T\uFFFD1"},
		`the six characters \ufffd`:            {tsr: `T\ufffd1`},
		`\\ufffd, two backslashes`:             {tsr: `T\\ufffd1`},
		"a backslash then an invalid byte":     {tsr: "T\\\xff1", refuse: true},
		"two backslashes then an invalid byte": {tsr: "T\\\\\xff1", refuse: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sim := newSim(t)
			if !tc.refuse {
				pending(t, sim, tc.tsr)
			}
			c := client(t, sim.URL)
			_, err := c.TriggerIssue(bg, wrapper.TriggerIssueRequest{Tsr: tc.tsr, PayType: triggerissue.PayType2})
			if tc.refuse {
				wantValidation(t, err, "TriggerIssue", "Tsr", "utf8")
				wantNothingSent(t, sim)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(wrapper.TriggerIssueRequest{Tsr: tc.tsr, PayType: triggerissue.PayType2}); err != nil {
				t.Errorf("Validate: %v", err)
			}
			if got := received(t, sim); len(got) != 1 || got[0].field("Tsr") != tc.tsr {
				t.Errorf("server received %+v, want Tsr %q", got, tc.tsr)
			}
		})
	}
}

// A required string left "" (or absent) is refused naming it, whichever
// way the request comes. (One the page gives a value is filled in instead:
// TestClientFillsThePagesDefaults; a required field a page adds is refused
// with no Go naming it: TestPlanRequiresFieldsASpecUpdateAdds.)
func TestRequiredStringsMustNotBeEmpty(t *testing.T) {
	tests := map[string]struct {
		op    string
		send  func(c *wrapper.Client) error
		field string
	}{
		"Validate without Tsr": {op: "TriggerIssue", field: "Tsr", send: func(c *wrapper.Client) error {
			return c.Validate(wrapper.TriggerIssueRequest{PayType: triggerissue.PayType2})
		}},
		"TriggerIssue without Tsr": {op: "TriggerIssue", field: "Tsr", send: func(c *wrapper.Client) error {
			_, err := c.TriggerIssue(bg, wrapper.TriggerIssueRequest{PayType: triggerissue.PayType2})
			return err
		}},
		"CancelDelayIssue without Tsr": {op: "CancelDelayIssue", field: "Tsr", send: func(c *wrapper.Client) error {
			_, err := c.CancelDelayIssue(bg, wrapper.CancelDelayIssueRequest{})
			return err
		}},
		"Call with an empty Tsr": {op: "TriggerIssue", field: "Tsr", send: func(c *wrapper.Client) error {
			_, err := c.Call(bg, "TriggerIssue", json.RawMessage(`{"Tsr":""}`))
			return err
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sim := newSim(t)
			wantValidation(t, tc.send(client(t, sim.URL)), tc.op, tc.field, "required")
			wantNothingSent(t, sim)
		})
	}
}
