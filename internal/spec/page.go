package spec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ecpay-go/einvoice/internal/pages"
)

// PageDiff is what ComparePage found about a candidate vendor file.
type PageDiff struct {
	// New is the candidate file, Path the one path it documents and Name
	// the operation's name, the path's last segment.
	New, Path, Name string
	// Dir is the directory of pages, e.g. openapi.
	Dir string
	// Page is the page of Dir that New is a version of; "" when it is none.
	Page string
	// NewPage says New is a page the generator does not have yet: it
	// matches no page of Dir, or a page not committed yet.
	NewPage bool
	// Base is what New was compared with, e.g. "git HEAD:openapi/X.yaml";
	// "" when there was nothing to compare it with.
	Base string
	// Notes are facts about the comparison the reader must know, e.g. that
	// git was not available.
	Notes []string
	// Report lists the changes from Base to New, the Data schemas and the
	// servers included.
	Report Report
	// Overlays are the overlays applied to New; OverlayError says why they
	// no longer apply, nil when they do.
	Overlays     []string
	OverlayError error
}

// Breaking reports whether generating from New needs a look first: a
// breaking change, or overlays that no longer apply.
func (d *PageDiff) Breaking() bool {
	return d.Report.Breaking() || d.OverlayError != nil
}

// String formats the comparison for make spec-diff.
func (d *PageDiff) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s documents POST %s (operation %s)", d.New, d.Path, d.Name)
	switch {
	case d.Page == "":
		fmt.Fprintf(&b, ", which no page of %s documents: it is a new page\n", d.Dir)
	case d.Base == "":
		fmt.Fprintf(&b, ": page %s\n", d.Page)
	default:
		fmt.Fprintf(&b, ": page %s, compared with %s\n", d.Page, d.Base)
	}
	for _, n := range d.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if d.Base != "" {
		b.WriteString(d.Report.String())
		if slices.ContainsFunc(d.Report.Changes, func(c Change) bool { return c.Operation == serversOperation }) {
			b.WriteString("The servers changed: ServerURLStage and ServerURLProduction (wrapper.StageURL and ProductionURL) are ECPay's two hosts as the shared overlay names them by URL; check which host is which before regenerating.\n")
		}
	}
	names, verb := strings.Join(d.Overlays, " and "), "apply"
	if len(d.Overlays) == 1 {
		verb = "applies"
	}
	if d.OverlayError == nil {
		fmt.Fprintf(&b, "%s still %s to %s\n", names, verb, d.New)
	} else {
		fmt.Fprintf(&b, "%s no longer %s to %s:\n", names, verb, d.New)
		for _, err := range split(d.OverlayError) {
			var unmatched *pages.UnmatchedError
			if !errors.As(err, &unmatched) {
				fmt.Fprintf(&b, "  %v\n", err)
				continue
			}
			b.WriteString("  " + unmatched.List())
		}
	}
	if d.NewPage {
		pkg := strings.ToLower(d.Name)
		if d.Page == "" {
			fmt.Fprintf(&b, "Saved as %s, `go generate ./...` creates:\n", filepath.Join(d.Dir, d.Name+".yaml"))
		} else {
			fmt.Fprintf(&b, "`go generate ./...` creates:\n")
		}
		fmt.Fprintf(&b, "  generated/%s/%s.gen.go: %s.RequestData and %s.ResponseData, a client, std-http and strict servers, the embedded spec\n", pkg, pkg, pkg, pkg)
		fmt.Fprintf(&b, "  registry.%s (generated/registry/registry.gen.go)\n", d.Name)
		fmt.Fprintf(&b, "  wrapper.Client.%s(ctx, wrapper.%sRequest) (*wrapper.%sResult, error) (wrapper/operations.gen.go)\n", d.Name, d.Name, d.Name)
		fmt.Fprintf(&b, "  its simulator adapter (ecpaysim/operations.gen.go): the simulator answers it with TransCode 1, its first success code and a Data mocked from its responses.Data\n")
		if len(d.Overlays) == 1 {
			fmt.Fprintf(&b, "Without an overlay of its own (%s) its inner fields are all optional and RtnCode 1 is its only success code.\n", filepath.Join(d.Dir, d.Name+".overlay.yaml"))
		}
	}
	return b.String()
}

// ComparePage compares the candidate vendor file newFile with the page of
// dir it is a version of, found by the one path newFile documents (or, if
// no page documents that path, by the operation's name, the path's last
// segment: ECPay moved the operation). It compares with the page's
// committed version, git HEAD's, so that it still works once newFile has
// been copied over the page; without git, or for a page not in HEAD, with
// the working copy, and says so in Notes. A newFile that matches no page is
// a new page. In every case it reports whether the overlays of dir (the
// shared one, and the page's own) still apply to newFile.
//
// It returns an error when newFile itself cannot be read as a page (see
// Load) or documents more than one path, when dir holds no page, and when
// the version it is compared with cannot be read or compared (see Diff).
func ComparePage(ctx context.Context, dir, newFile string) (*PageDiff, error) {
	doc, err := Load(ctx, newFile)
	if err != nil {
		return nil, err
	}
	var paths []string
	if doc.Paths != nil {
		paths = doc.Paths.InMatchingOrder()
	}
	if len(paths) != 1 {
		return nil, fmt.Errorf("%s documents %d paths: an ECPay page documents exactly one", newFile, len(paths))
	}
	d := &PageDiff{New: newFile, Dir: dir, Path: paths[0], Name: path.Base(paths[0])}
	files, err := pages.List(dir)
	if err != nil {
		return nil, err
	}
	d.Page = d.find(files)
	d.NewPage = d.Page == ""

	var own string
	if d.Page != "" {
		var shared string
		shared, own = pages.Overlays(d.Page)
		d.Overlays = []string{shared}
		if own != "" {
			d.Overlays = append(d.Overlays, own)
		}
		base, cleanup, err := d.committed(d.Page)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		if base != "" {
			if d.Report, err = Diff(ctx, base, newFile); err != nil {
				return nil, err
			}
		}
	} else {
		d.Overlays = []string{filepath.Join(dir, pages.SharedOverlay)}
	}
	_, d.OverlayError = pages.LoadWith(ctx, newFile, d.Overlays[0], own)
	return d, nil
}

// find returns the page of files that d.New is a version of, or "".
func (d *PageDiff) find(files []string) string {
	byName := ""
	for _, f := range files {
		if same(f, d.New) {
			return f
		}
		p, err := pagePath(f)
		if err != nil {
			continue // validate-spec reports it
		}
		if p == d.Path {
			return f
		}
		if path.Base(p) == d.Name {
			byName = f
		}
	}
	if byName != "" {
		old, _ := pagePath(byName)
		d.Notes = append(d.Notes, fmt.Sprintf("%s documents POST %s: ECPay moved the operation to POST %s", byName, old, d.Path))
	}
	return byName
}

// pagePath returns the first path the vendor document at file documents.
func pagePath(file string) (string, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	var doc struct {
		Paths yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return "", err
	}
	if doc.Paths.Kind != yaml.MappingNode || len(doc.Paths.Content) == 0 {
		return "", fmt.Errorf("%s documents no path", file)
	}
	return doc.Paths.Content[0].Value, nil
}

// committed returns a file holding git HEAD's version of page, and a
// function removing it. Without one (no git, no repository, or page not in
// HEAD) it notes why and returns the working copy of page, or "" when the
// working copy is d.New itself, leaving nothing to compare with.
func (d *PageDiff) committed(page string) (string, func(), error) {
	nothing := func() {}
	git := func(args ...string) ([]byte, error) {
		cmd := exec.Command("git", append([]string{"-C", filepath.Dir(page)}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if msg := firstLineOf(strings.TrimSpace(stderr.String())); err != nil && msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return out, err
	}
	var why string
	uncommitted := false
	if _, err := git("rev-parse", "--verify", "HEAD"); err != nil {
		why = fmt.Sprintf("no git commit is at hand (%v)", err)
		if errors.Is(err, exec.ErrNotFound) {
			why = "git is not available"
		}
	} else if out, err := git("show", "HEAD:./"+filepath.Base(page)); err != nil {
		why, uncommitted = "git HEAD has no "+page+" (untracked or not committed yet)", true
	} else {
		tmp, err := os.MkdirTemp("", "spec-diff-")
		if err != nil {
			return "", nothing, err
		}
		cleanup := func() { os.RemoveAll(tmp) }
		base := filepath.Join(tmp, filepath.Base(page))
		if err := os.WriteFile(base, out, 0o600); err != nil {
			cleanup()
			return "", nothing, err
		}
		d.Base = "git HEAD:" + filepath.ToSlash(page)
		return base, cleanup, nil
	}
	if same(page, d.New) {
		d.NewPage = uncommitted
		d.Notes = append(d.Notes, why+", and "+d.New+" is the working copy: there is no other version to compare it with")
		return "", nothing, nil
	}
	d.Notes = append(d.Notes, why+": comparing with the working copy of "+page)
	d.Base = page + " (working copy)"
	return page, nothing, nil
}

func same(a, b string) bool {
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(ia, ib)
}

func firstLineOf(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
