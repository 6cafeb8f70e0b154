// Package browsertest runs a package's browser tests in one headless
// Chromium, started on first use and closed by the package's TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(browsertest.Run(m)) }
//
//	func TestPage(t *testing.T) {
//		ctx := browsertest.Tab(t) // skips t when no Chromium is installed
//		if err := chromedp.Run(ctx, chromedp.Navigate(url)); err != nil {
//			t.Fatal(err)
//		}
//	}
//
// The browser is Debian's chromium (or the one $CHROMIUM names), run with a
// fresh profile and without any network of its own (no updates, no sync,
// no background requests), so that it works on a machine with no network.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// tabTimeout bounds each test's use of its tab, so that a page that never
// shows what a test waits for fails the test instead of hanging it.
const tabTimeout = 60 * time.Second

var (
	mu      sync.Mutex
	started bool
	browser context.Context // nil when there is no Chromium
	stop    func()
	missing string // why there is no browser
	profile string
)

// Path returns the Chromium to run: $CHROMIUM, or the first of chromium,
// chromium-browser and google-chrome on $PATH; "" when there is none.
func Path() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// start starts the browser once.
func start() {
	started = true
	path := Path()
	if path == "" {
		missing = "no Chromium: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM to a Chromium or Chrome binary; .ci/run installs it"
		return
	}
	dir, err := os.MkdirTemp("", "browsertest-profile-")
	if err != nil {
		missing = "no profile directory for Chromium: " + err.Error()
		return
	}
	profile = dir
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		missing = "Chromium " + path + " did not start: " + err.Error()
		return
	}
	browser = ctx
	stop = func() { cancelCtx(); cancelAlloc() }
}

// Tab returns a new tab of the package's browser for t, closed when t
// ends, its context bounded by tabTimeout; it skips t when there is no
// Chromium.
func Tab(t *testing.T) context.Context {
	t.Helper()
	mu.Lock()
	if !started {
		start()
	}
	b, why := browser, missing
	mu.Unlock()
	if b == nil {
		t.Skip("browsertest: " + why)
	}
	ctx, cancel := chromedp.NewContext(b)
	ctx, cancelTimeout := context.WithTimeout(ctx, tabTimeout)
	t.Cleanup(func() { cancelTimeout(); cancel() })
	return ctx
}

// Run runs the package's tests, then closes the browser if one started:
// what TestMain returns to os.Exit.
func Run(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if stop != nil {
		stop()
	}
	if profile != "" {
		os.RemoveAll(profile)
	}
	return code
}
