package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/examples/internal/samplebook"
)

// chromium finds Debian's headless browser. CI installs it (.ci/run); on a
// machine without it the browser test is skipped and says so.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CRMKIT_REQUIRE_BROWSER") != "" {
		t.Fatal("CRMKIT_REQUIRE_BROWSER is set but no chromium is installed")
	}
	t.Skip("no chromium on PATH: install Debian's chromium to run the browser check")
	return ""
}

// probe is appended to a copy of the page under test: it records script
// errors and, for every chart, its rendered size and number of drawn shapes.
const probe = `<script>
window.__errs = [];
window.addEventListener('error', e => window.__errs.push(String(e.message || e.type)), true);
const origErr = console.error; console.error = (...a) => { window.__errs.push(a.join(' ')); origErr(...a); };
window.addEventListener('load', () => {
  const out = [];
  for (const s of document.querySelectorAll('svg.chart')) {
    const r = s.getBoundingClientRect();
    const shapes = s.querySelectorAll('rect,polyline,polygon,circle,line').length;
    let bb = {width: 0, height: 0}; try { bb = s.getBBox(); } catch (e) { window.__errs.push('getBBox ' + s.id + ': ' + e); }
    out.push(s.id + ' ' + Math.round(r.width) + 'x' + Math.round(r.height) + ' shapes=' + shapes + ' bbox=' + Math.round(bb.width) + 'x' + Math.round(bb.height));
  }
  const pre = document.createElement('pre'); pre.id = 'probe';
  pre.textContent = 'CHARTS\n' + out.join('\n') + '\nERRORS ' + window.__errs.length + '\n' + window.__errs.join('\n');
  document.body.appendChild(pre);
});
</script>`

func runChromium(t *testing.T, bin string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, e.String())
	}
	return o.String(), e.String()
}

func TestReportRendersInBrowser(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	var page bytes.Buffer
	sections, err := Sections(context.Background(), samplebook.New(samplebook.Options{Customers: 800, Years: 3, Clean: true}))
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(&page, "crmkit report", sections); err != nil {
		t.Fatal(err)
	}
	pagePath := filepath.Join(dir, "report.html")
	if err := os.WriteFile(pagePath, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	probed := strings.Replace(page.String(), "</body>", probe+"</body>", 1)
	probePath := filepath.Join(dir, "probe.html")
	if err := os.WriteFile(probePath, []byte(probed), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, logs := runChromium(t, bin, "--virtual-time-budget=5000", "--dump-dom", "file://"+probePath)
	m := regexp.MustCompile(`(?s)<pre id="probe">CHARTS\n(.*?)\nERRORS (\d+)\n(.*?)</pre>`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("probe did not run; DOM tail:\n%s", dom[max(0, len(dom)-800):])
	}
	if m[2] != "0" {
		t.Errorf("page raised %s script errors: %s", m[2], m[3])
	}
	if strings.Contains(logs, "Uncaught") || regexp.MustCompile(`CONSOLE.*(?i)error`).MatchString(logs) {
		t.Errorf("browser console reported errors:\n%s", logs)
	}
	want := []string{"funnel", "fan", "lorenz", "rfm", "ltv"}
	lines := strings.Split(m[1], "\n")
	if len(lines) != len(want) {
		t.Fatalf("found %d charts, want %d:\n%s", len(lines), len(want), m[1])
	}
	re := regexp.MustCompile(`^(\w+) (\d+)x(\d+) shapes=(\d+) bbox=(\d+)x(\d+)$`)
	for i, l := range lines {
		f := re.FindStringSubmatch(l)
		if f == nil || f[1] != want[i] {
			t.Errorf("chart %d: %q, want id %s", i, l, want[i])
			continue
		}
		for _, v := range f[2:] {
			if v == "0" {
				t.Errorf("chart %s did not render (zero size or no shapes): %s", f[1], l)
			}
		}
	}
	// A screenshot for a person to read; kept when CRMKIT_SCREENSHOT names a file.
	shot := filepath.Join(dir, "report.png")
	runChromium(t, bin, "--hide-scrollbars", "--window-size=1040,3000", "--screenshot="+shot, "file://"+pagePath)
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10_000 {
		t.Errorf("screenshot missing or blank: %v", err)
	}
	if p := os.Getenv("CRMKIT_SCREENSHOT"); p != "" {
		b, _ := os.ReadFile(shot)
		os.WriteFile(p, b, 0o644)
	}
}
