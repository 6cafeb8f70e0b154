package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ecpay-go/einvoice/internal/browsertest"
)

// TestValidateRecordHTML writes the HTML report of a recording whose
// broken request holds a hostile Tsr, and opens it in Chromium: the
// summary, the violation pinned to the Tsr's line, the value as text, no
// script run but the report's own (its filter works).
func TestValidateRecordHTML(t *testing.T) {
	const hostile = `<script>window.__pwned=1</script>`
	raw, err := os.ReadFile(record(t))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(raw), `"Tsr":"`+strings.Repeat("9", 31)+`"`, `"Tsr":"`+strings.ReplaceAll(hostile, "/", `\/`)+`"`, 1)
	if edited == string(raw) {
		t.Fatal("the recording's broken Tsr was not found")
	}
	dir := t.TempDir()
	recording, report := filepath.Join(dir, "recording.jsonl"), filepath.Join(dir, "report.html")
	if err := os.WriteFile(recording, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	out := runBinary(t, invocation{args: []string{"validate", "--record", recording, "--html", report}})
	if out.code != exitRefused || !strings.Contains(out.stdout, "report: "+report+"\n") {
		t.Fatalf("exit status %d, want %d and the report named\nstdout: %s\nstderr: %s", out.code, exitRefused, out.stdout, out.stderr)
	}
	info, err := os.Stat(report)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the report: %v, %v; want mode 0600 (it holds decrypted Data)", info, err)
	}
	html, _ := os.ReadFile(report)
	for _, bad := range append([]string{hostile, `src="http`, `href="http`}, secrets...) {
		if strings.Contains(string(html), bad) {
			t.Errorf("the report holds %q", bad)
		}
	}
	if out := runBinary(t, invocation{args: []string{"validate", "--request", recording, "--html", report}}); out.code != exitInvalid || !strings.Contains(out.stderr, "--html needs --record FILE") {
		t.Errorf("--html without --record: exit %d, stderr %s", out.code, out.stderr)
	}

	ctx := browsertest.Tab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+report), chromedp.WaitVisible("#summary")); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ expr, want string }{
		{`document.getElementById("sum-exchanges").textContent`, "3"},
		{`document.getElementById("sum-violations").textContent`, "1 in 1 exchanges (0 new since the recording, 0 no longer violations)"},
		{`document.querySelector("#ex-3 .side.request .ln.pinned").textContent`, `  "Tsr": "` + hostile + `"`},
		{`document.querySelector("#ex-3 .side.request .pin").textContent.trim()`, "↑ data#/Tsr: maxLength maximum string length is 30"},
		{`String(window.__pwned) + " " + document.querySelectorAll("main script, main img").length`, "undefined 0"},
		{`(f => { f.verdict.value = "violation"; f.verdict.dispatchEvent(new Event("change", {bubbles: true})); return document.getElementById("shown").textContent })(document.getElementById("filters").elements)`, "1"},
	}
	for _, c := range checks {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](c.expr))
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.expr, got, err, c.want)
		}
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the report: %s", shot)
}
