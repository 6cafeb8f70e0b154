package proxy

import (
	"bytes"
	"fmt"
	"testing"
)

// The kept exchanges are the latest, numbered, within both bounds; one
// larger than the byte bound alone is kept without its bodies.
func TestKeptExchangesAreBounded(t *testing.T) {
	var k keptLog
	for i := range KeptExchanges + 5 {
		k.add(Exchange{Path: fmt.Sprintf("/%d", i)})
	}
	got := k.list()
	if len(got) != KeptExchanges || got[0].Seq != 6 || got[0].Path != "/5" || got[len(got)-1].Seq != KeptExchanges+5 {
		t.Errorf("%d kept, from #%d %s to #%d, want the latest %d", len(got), got[0].Seq, got[0].Path, got[len(got)-1].Seq, KeptExchanges)
	}

	var b keptLog
	big := Exchange{Path: "/big"}
	big.Request.setBody(bytes.Repeat([]byte("x"), KeptBytes/3))
	for range 4 {
		b.add(big)
	}
	if got := b.list(); len(got) != 2 || b.bytes > KeptBytes {
		t.Errorf("%d kept in %d bytes, want 2 within %d", len(got), b.bytes, KeptBytes)
	}
	huge := Exchange{Path: "/huge"}
	huge.Response.Status = 200
	huge.Response.setBody(bytes.Repeat([]byte("x"), KeptBytes+1))
	b.add(huge)
	got = b.list()
	last := got[len(got)-1]
	if last.Path != "/huge" || last.Response.Body() != nil || last.Response.Omitted == "" || last.Response.Status != 200 || b.bytes > KeptBytes {
		t.Errorf("the huge exchange kept as %+v, %d bytes in all", last.Response, b.bytes)
	}
}

func TestNewMessage(t *testing.T) {
	tests := []struct {
		body, plaintext string
		decrypted       bool
		want            Message
	}{
		{`{"a":1}`, `{"b":2}`, true, Message{Status: 200, Envelope: []byte(`{"a":1}`), Decrypted: true, Data: []byte(`{"b":2}`)}},
		{`not json`, `text`, true, Message{Status: 200, Text: "not json", Decrypted: true, DataText: "text"}},
		{"\xff", "", false, Message{Status: 200, Base64: []byte("\xff")}},
	}
	for _, tt := range tests {
		got := NewMessage(200, "", []byte(tt.body), []byte(tt.plaintext), tt.decrypted)
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
			t.Errorf("NewMessage(%q, %q): %+v, want %+v", tt.body, tt.plaintext, got, tt.want)
		}
	}
}
