package proxy

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ecpay-go/einvoice/ecpaysim/internal/serving"
)

// A line of a recording never exceeds what ReadRecording reads: the bodies
// of an exchange that would need more are left out, and the line says so.
func TestRecordingLineIsBounded(t *testing.T) {
	ex := &Exchange{Time: time.Now(), Method: "POST", Path: "/x"}
	// Bytes that are not UTF-8 are recorded in base64, 4 bytes for 3.
	ex.Request.setBody(bytes.Repeat([]byte{0xff}, serving.MaxBodyBytes))
	ex.Response.Status = 200
	ex.Response.setBody(bytes.Repeat([]byte{0xff}, MaxRecordingLine/4*3))
	line, err := encodeLine(ex)
	if err != nil {
		t.Fatal(err)
	}
	if len(line) > MaxRecordingLine {
		t.Fatalf("a line of %d bytes", len(line))
	}
	var read []Exchange
	for l, err := range ReadRecording(bytes.NewReader(line)) {
		if err != nil {
			t.Fatal(err)
		}
		read = append(read, l.Exchange)
	}
	if len(read) != 1 || read[0].Request.Omitted == "" || read[0].Response.Omitted == "" || read[0].Response.Status != 200 ||
		len(read[0].Notes) != 1 || !strings.Contains(read[0].Notes[0], "longer than 32 MiB") {
		t.Errorf("read back %+v", read)
	}
	if ex.Request.Base64 == nil || len(ex.Notes) != 0 {
		t.Error("encodeLine changed the exchange")
	}
}
