package inspect_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ecpay-go/einvoice/ecpaysim"
	"github.com/ecpay-go/einvoice/internal/browsertest"
	"github.com/ecpay-go/einvoice/internal/inspect"
	"github.com/ecpay-go/einvoice/wrapper"
)

// run runs the actions, failing t on an error.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitFor waits until the expression is truthy in the page, through a
// navigation (which ends a poll, or makes it miss the page's context: it
// is polled again on the new page), until the tab's time is up.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr))
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("waiting for %s (%s): %v", what, expr, err)
		}
	}
}

// screenshot writes a screenshot of the page under t's temp dir.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// The page's content, not the empty viewport below it.
	height := eval[int64](t, ctx, `Math.max(200, document.body.scrollHeight)`)
	run(t, ctx, "sizing the viewport", chromedp.EmulateViewport(1280, height))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	run(t, ctx, "resetting the viewport", chromedp.ResetViewport())
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the %s view: %s", strings.TrimSuffix(name, ".png"), path)
	if dir := os.Getenv("INSPECT_SCREENSHOTS"); dir != "" {
		// For the README's picture: INSPECT_SCREENSHOTS=docs go test -run Browser.
		os.WriteFile(filepath.Join(dir, name), png, 0o644)
	}
}

// visible counts the exchanges the filters leave shown.
const visible = `[...document.querySelectorAll("details.ex")].filter(e => !e.hidden).length`

// noScriptRan is true while no hostile value has run as script.
const noScriptRan = `window.__pwned === undefined && document.querySelectorAll("main img, main script").length === 0`

// TestBrowserInspector loads the inspector in Chromium while the typed
// client and a merchant's own broken request reach the simulator, and
// checks through the DOM that the exchanges appear without a reload, with
// both sides' decrypted Data and the violation pinned to its field, that
// the filters work, that hostile values stay text and no script runs, that
// the policy blocks an inline script, and that the state view shows the
// invoice and arms a fault while a cross-site form cannot.
func TestBrowserInspector(t *testing.T) {
	ctx := browsertest.Tab(t)
	sim, base := newInspector(t)
	page := base + inspect.Path

	run(t, ctx, "loading the inspector", chromedp.Navigate(page), chromedp.WaitVisible("#filters"))
	// A reload would drop this.
	eval[chromedp.Void](t, ctx, `window.__loaded = "once"`)

	if _, err := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "T1", PayType: "2"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the trigger to appear", `document.getElementById("ex-1")`)
	sendBroken(t, sim.URL)
	// An answer off its page carrying the other hostile value.
	if err := sim.InjectNext(ecpaysim.Fault{Data: fmt.Sprintf(`{"RtnCode":4000004,"RtnMsg":%q}`, hostileAttr)}); err != nil {
		t.Fatal(err)
	}
	sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "T2", PayType: "2"})
	waitFor(t, ctx, "the other exchanges to appear", `document.getElementById("ex-2") && document.getElementById("ex-3")`)
	if got := eval[string](t, ctx, `window.__loaded`); got != "once" {
		t.Fatalf("the page was reloaded")
	}
	if got := eval[string](t, ctx, `[...document.querySelectorAll("details.ex")].map(e => e.id).join(",")`); got != "ex-3,ex-2,ex-1" {
		t.Errorf("exchanges %s, want the newest first: ex-3,ex-2,ex-1", got)
	}

	run(t, ctx, "opening the broken request", chromedp.Click("#ex-2 > summary"))
	checks := []struct{ what, expr, want string }{
		{"the verdict", `document.querySelector("#ex-2").dataset.verdict`, "violation"},
		{"the pinned line", `document.querySelector("#ex-2 .side.request pre.data .ln.pinned").dataset.pointer`, "/Tsr"},
		{"the hostile Tsr, as text", `document.querySelector("#ex-2 .side.request pre.data .ln.pinned").textContent`, `  "Tsr": "` + hostileScript + `"`},
		{"the rule and the page's words", `document.querySelector("#ex-2 .side.request pre.data .pin").textContent.trim()`, "↑ data#/Tsr: maxLength maximum string length is 30"},
		{"the refusal's TransCode", `document.querySelector("#ex-2 .trans").textContent`, "9005"},
		{"the trigger's decrypted request Data", `document.querySelector("#ex-1 .side.request pre.data").textContent.includes('"Tsr": "T1"')`, "true"},
		{"the trigger's decrypted answer Data", `document.querySelector("#ex-1 .side.answer pre.data").textContent.includes('"RtnMsg": "開立發票成功"')`, "true"},
		{"the trigger's RtnCode and meaning", `document.querySelector("#ex-1 .rtn").textContent`, "4000004 issued now (DelayDay 0)"},
		{"the hostile RtnMsg, as text", `document.querySelector("#ex-3 .rtnmsg").textContent`, "RtnMsg: " + hostileAttr},
		{"no script ran", noScriptRan + ` ? "none" : "ran"`, "none"},
	}
	for _, c := range checks {
		got := eval[any](t, ctx, c.expr)
		if fmt.Sprint(got) != c.want {
			t.Errorf("%s: %q, want %q", c.what, got, c.want)
		}
	}
	run(t, ctx, "opening the trigger", chromedp.Click("#ex-1 > summary"))
	screenshot(t, ctx, "inspector.png")

	filters := []struct {
		name, action string
		want         int
	}{
		{"verdict violation", `f => { f.verdict.value = "violation"; f.verdict.dispatchEvent(new Event("change", {bubbles: true})) }`, 1},
		{"verdict ok", `f => { f.verdict.value = "ok"; f.verdict.dispatchEvent(new Event("change", {bubbles: true})) }`, 2},
		{"operation", `f => { f.verdict.value = ""; f.op.value = "CancelDelayIssue"; f.op.dispatchEvent(new Event("change", {bubbles: true})) }`, 1},
		{"text", `f => { f.op.value = ""; f.q.value = "pwned=2"; f.q.dispatchEvent(new Event("input", {bubbles: true})) }`, 1},
		{"none", `f => { f.q.value = ""; f.q.dispatchEvent(new Event("input", {bubbles: true})) }`, 3},
	}
	for _, f := range filters {
		eval[chromedp.Void](t, ctx, `(`+f.action+`)(document.getElementById("filters").elements)`)
		if got := eval[int](t, ctx, visible); got != f.want {
			t.Errorf("filter %s: %d shown, want %d", f.name, got, f.want)
		}
	}

	// The policy forbids inline script: one put in the page does not run,
	// and the browser reports the violation.
	eval[chromedp.Void](t, ctx, `window.__csp = []; document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective));
		const s = document.createElement("script"); s.textContent = "window.__pwned = 3"; document.body.appendChild(s)`)
	waitFor(t, ctx, "the policy's report", `window.__csp.length > 0`)
	if got := eval[string](t, ctx, `String(window.__pwned) + " " + window.__csp.join(",")`); !strings.HasPrefix(got, "undefined script-src") {
		t.Errorf("an inline script: %s, want it blocked by script-src", got)
	}

	run(t, ctx, "loading the state", chromedp.Navigate(page+"/state"), chromedp.WaitVisible("#state table"))
	if got := eval[string](t, ctx, `[...document.querySelectorAll("#state table tr")].map(r => r.textContent).join("|")`); !strings.Contains(got, "T1") || !strings.Contains(got, "issued") {
		t.Errorf("the state's invoices: %s", got)
	}
	run(t, ctx, "arming a fault",
		chromedp.SetValue("#fault-kind", "rtncode"), chromedp.SetValue("#fault-value", "9000001"), chromedp.Click("#fault-arm"))
	waitFor(t, ctx, "the armed fault", `document.getElementById("message") || document.getElementById("error") || (document.body.textContent.includes("ecpaysim") && !document.getElementById("state"))`)
	if msg := eval[string](t, ctx, `document.body.innerText`); !strings.Contains(msg, "Armed") {
		t.Fatalf("arming a fault: the page says:\n%s", msg)
	}
	if n := sim.PendingFaults(); n != 1 {
		t.Errorf("%d faults armed, want 1", n)
	}
	screenshot(t, ctx, "state.png")

	// Another site's page posting the same form is refused: nothing armed.
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<form id=f method=post action=%q><input name=kind value=http><input name=value value=503></form><script>document.getElementById("f").submit()</script>`, page+"/fault")
	}))
	defer attacker.Close()
	run(t, ctx, "the cross-site form", chromedp.Navigate(strings.Replace(attacker.URL, "127.0.0.1", "localhost", 1)))
	waitFor(t, ctx, "the form's answer", `location.pathname.endsWith("/fault")`)
	if got := eval[string](t, ctx, `document.body ? document.body.innerText : ""`); !strings.Contains(got, "only from its own page") {
		t.Errorf("the cross-site form's answer: %q", got)
	}
	if n := sim.PendingFaults(); n != 1 {
		t.Errorf("%d faults armed after a cross-site form, want 1", n)
	}
}

// TestBrowserReport opens a report file in Chromium: its own script runs
// (the filters work, its hash allowed by the policy), the summary and the
// pinned violation show, hostile values stay text and no other script runs.
func TestBrowserReport(t *testing.T) {
	ctx := browsertest.Tab(t)
	sim, _ := newInspector(t)
	if _, err := sim.Client.TriggerIssue(t.Context(), wrapper.TriggerIssueRequest{Tsr: "T1", PayType: "2"}); err != nil {
		t.Fatal(err)
	}
	sendBroken(t, sim.URL)
	report := inspect.NewReport("recording.jsonl")
	entries, _ := inspect.Simulator(sim.Server).Exchanges(0, 0)
	for _, e := range entries {
		report.Add(e, len(e.Violations), 0)
	}
	var b bytes.Buffer
	if _, err := report.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// Only its own inline style and script, by their hashes.
	csp := b.String()[strings.Index(b.String(), `http-equiv="Content-Security-Policy" content="`):]
	csp = csp[:strings.Index(csp, `">`)]
	if !strings.Contains(csp, "default-src &#39;none&#39;; style-src &#39;sha256-") || !strings.Contains(csp, "script-src &#39;sha256-") || strings.Contains(csp, "unsafe") {
		t.Errorf("the report's policy: %s", csp)
	}
	for _, external := range []string{`src="http`, `href="http`, `src="/`, `href="/`} {
		if strings.Contains(b.String(), external) {
			t.Errorf("the report refers to an external asset: %s", external)
		}
	}
	run(t, ctx, "loading the report", chromedp.Navigate("file://"+path), chromedp.WaitVisible("#summary"))
	checks := []struct{ what, expr, want string }{
		{"exchanges", `document.getElementById("sum-exchanges").textContent`, "2"},
		{"violations", `document.getElementById("sum-violations").textContent`, "1 in 1 exchanges (1 new since the recording, 0 no longer violations)"},
		{"the pinned line", `document.querySelector("#ex-2 .side.request pre.data .ln.pinned").textContent`, `  "Tsr": "` + hostileScript + `"`},
		{"no script ran", noScriptRan + ` ? "none" : "ran"`, "none"},
	}
	for _, c := range checks {
		if got := eval[string](t, ctx, c.expr); got != c.want {
			t.Errorf("%s: %q, want %q", c.what, got, c.want)
		}
	}
	eval[chromedp.Void](t, ctx, `(f => { f.verdict.value = "violation"; f.verdict.dispatchEvent(new Event("change", {bubbles: true})) })(document.getElementById("filters").elements)`)
	if got := eval[int](t, ctx, visible); got != 1 {
		t.Errorf("the report's verdict filter: %d shown, want 1 (did its script run?)", got)
	}
	eval[chromedp.Void](t, ctx, `(f => { f.verdict.value = ""; f.verdict.dispatchEvent(new Event("change", {bubbles: true})) })(document.getElementById("filters").elements)`)
	run(t, ctx, "opening the violation", chromedp.Click("#ex-2 > summary"))
	screenshot(t, ctx, "report.png")
}
