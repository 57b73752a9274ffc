package app

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"proact/app/config"
	"proact/models"
)

// browser starts the portal on a loopback port and opens a tab of the
// test binary's Chromium in a browser context of its own (its own cookies
// and storage, as a fresh browser would have), and returns the portal's
// address and the tab. Without Chromium the test is skipped, unless
// PROACT_REQUIRE_BROWSER is set (CI).
func browser(t *testing.T) (string, context.Context) {
	t.Helper()
	base, _, ctx := browserApp(t)
	return base, ctx
}

// browserApp is browser, also returning the test app behind the portal.
func browserApp(t *testing.T) (string, *testApp, context.Context) {
	t.Helper()
	return browserAppWith(t, nil)
}

// browserAppFor is browserApp with a time limit of its own, for long runs
// (never shorter than browserAppWith's guard).
func browserAppFor(t *testing.T, limit time.Duration) (string, *testApp, context.Context) {
	t.Helper()
	return browserAppLimited(t, nil, max(limit, 5*time.Minute))
}

// browserAppWith is browserApp with cfg adjusting the portal's configuration.
func browserAppWith(t *testing.T, cfg func(*config.Config)) (string, *testApp, context.Context) {
	t.Helper()
	// A guard against a hung browser, not a measure of speed: the machine
	// may be busy.
	return browserAppLimited(t, cfg, 5*time.Minute)
}

func browserAppLimited(t *testing.T, cfg func(*config.Config), limit time.Duration) (string, *testApp, context.Context) {
	t.Helper()
	browserCtx := sharedChromium(t)
	ta := newTestApp(t, models.SQLite, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ta.app.Listener(ln) }()
	t.Cleanup(func() { _ = ta.app.Shutdown() })
	return "http://" + ln.Addr().String(), ta, openTab(t, browserCtx, limit)
}

// openTab opens a tab of the test binary's Chromium in a browser context of
// its own (as a fresh browser), closed when t ends.
func openTab(t *testing.T, browserCtx context.Context, limit time.Duration) context.Context {
	t.Helper()
	ctx, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelTimeout(); cancelTab() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

// chromium is one headless Chromium for the whole test binary, started by
// the first browser test: starting one per test cost a second or two each.
var chromium struct {
	once sync.Once
	ctx  context.Context
	stop func()
	err  error
}

func sharedChromium(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("PROACT_CHROMIUM")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		if os.Getenv("PROACT_REQUIRE_BROWSER") != "" {
			t.Fatal("PROACT_REQUIRE_BROWSER is set but no chromium is on the PATH")
		}
		t.Skip("no chromium on the PATH: browser tests skipped (apt-get install chromium)")
	}
	chromium.once.Do(func() {
		profile, err := os.MkdirTemp("", "proact-chromium-")
		if err != nil {
			chromium.err = err
			return
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.UserDataDir(profile),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-quic", true),
			// No test goes back a page: keeping each page in the
			// back-forward cache cost a quarter of a navigation's CPU.
			chromedp.Flag("disable-features", "BackForwardCache"),
			// Debian's wrapper asks for GPU rasterization, which headless
			// Chromium without a GPU does in SwiftShader, emulating a GPU
			// on the CPU, and loads its extensions: with plain software
			// rasterization the member's phone tour took 13 s of
			// Chromium's CPU instead of 30 (one run each, load 20-25).
			chromedp.Flag("disable-gpu-rasterization", true),
			chromedp.Flag("disable-software-rasterizer", true),
			chromedp.Flag("disable-extensions", true),
			chromedp.WindowSize(1280, 900),
		)
		ctx, cancelBrowser := chromedp.NewContext(actx)
		chromium.ctx = ctx
		chromium.stop = func() {
			if testing.Verbose() {
				fmt.Fprintf(os.Stderr, "chromium used %v of CPU\n", chromiumCPU(profile))
			}
			cancelBrowser()
			cancelAlloc()
			_ = os.RemoveAll(profile)
		}
		chromium.err = chromedp.Do(ctx) // starts the browser
	})
	if chromium.err != nil {
		t.Fatalf("starting chromium: %v", chromium.err)
	}
	return chromium.ctx
}

// chromiumCPU is the CPU time of the Chromium started with profile: its
// processes' and that of the children they have waited for (the tabs
// closed so far), read from /proc (0 elsewhere).
func chromiumCPU(profile string) time.Duration {
	dirs, _ := os.ReadDir("/proc")
	var ticks int64
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cmd), profile) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// The fields after the command's closing parenthesis: utime,
		// stime, cutime and cstime are the 12th to the 15th.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 15 {
			continue
		}
		for _, v := range f[11:15] {
			n, _ := strconv.ParseInt(v, 10, 64)
			ticks += n
		}
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// stopChromium ends the test binary's Chromium, if one was started.
func stopChromium() {
	if chromium.stop != nil {
		chromium.stop()
	}
}

// typeText types text into the first visible element that sel matches, at
// its cursor, as one insertion: the page sees the beforeinput and input
// events of typing (all the portal's scripts listen to), without the three
// key events per character that chromedp.SendKeys dispatches, each of which
// costs Chromium milliseconds of CPU (about 7 ms a character on the CI
// machine, seconds per test). Use SendKeys where the keys themselves are
// tested: the editor, typing that saves a draft, the keyboard tests.
func typeText(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Focus(chromedp.CSS(sel), chromedp.NodeVisible),
		func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
			return chromedp.Void{}, err
		})
}

// recordRequests collects the URL of every request the page makes. The
// events are seen in the order they arrive, so after an action returns,
// every request made before its answer is recorded.
func recordRequests(t *testing.T, ctx context.Context) func() []string {
	var (
		mu   sync.Mutex
		urls []string
	)
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			urls = append(urls, e.Request.URL)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), urls...)
	}
}

func TestBrowserHomePageLoadsNothingFromElsewhere(t *testing.T) {
	t.Parallel()
	base, ctx := browser(t)
	requests := recordRequests(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	if h1 != "Sharing what works against labour exploitation" {
		t.Errorf("heading %q", h1)
	}
	// Stylesheets applied despite the strict CSP: Pico and ours.
	sheets, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.styleSheets.length`))
	if err != nil || sheets < 2 {
		t.Errorf("stylesheets applied: %d (%v)", sheets, err)
	}
	// Navigate waited for the load event: every request of the page has
	// been seen by now.
	got := requests()
	if len(got) < 3 {
		t.Fatalf("recorded only %d requests: %v", len(got), got)
	}
	for _, u := range got {
		if !strings.HasPrefix(u, base+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page requested %s, outside the portal", u)
		}
	}
}

func TestBrowserLanguageSwitcher(t *testing.T) {
	t.Parallel()
	base, ctx := browser(t)
	nl := (&testApp{}).tr(t, "nl", "home.title")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.Click(chromedp.CSS(".lang-switcher summary")),
		chromedp.WaitVisible(chromedp.CSS(`.lang-switcher a[hreflang="nl"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.lang-switcher a[hreflang="nl"]`))); err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	if h1 != nl {
		t.Errorf("after switching to Dutch the heading is %q, want %q", h1, nl)
	}
	lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	if err != nil || lang != "nl" {
		t.Errorf("<html lang> is %q (%v)", lang, err)
	}
	// The choice sticks: the next page is Dutch too.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/practices")); err != nil {
		t.Fatal(err)
	}
	h1, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if want := (&testApp{}).tr(t, "nl", "practices.title"); h1 != want {
		t.Errorf("practices heading %q, want %q", h1, want)
	}
}

func TestBrowserKeyboardSkipLink(t *testing.T) {
	t.Parallel()
	base, ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/practices"), chromedp.WaitVisible(chromedp.CSS("h1")),
		chromedp.KeyEvent("\t")); err != nil {
		t.Fatal(err)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className`))
	if err != nil || focused != "skip-link" {
		t.Fatalf("first Tab focuses %q, want the skip link (%v)", focused, err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
	if err != nil || id != "main" {
		t.Errorf("after the skip link, focus is on %q, want main (%v)", id, err)
	}
}
