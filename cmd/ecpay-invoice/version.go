package main

import (
	"runtime/debug"
	"strings"
)

// versionLine describes the build from its build information: the module
// version Go recorded (a release when installed with `go install
// …@version`, a pseudo-version naming the commit, +dirty with uncommitted
// changes, for a build from a working tree with VCS stamping), or, when Go
// recorded none ("(devel)", as with -buildvcs=false), that it is a
// development build, with the commit when the toolchain recorded one.
func versionLine() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "ecpay-invoice: no build information (built without module support)"
	}
	var b strings.Builder
	b.WriteString("ecpay-invoice ")
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	b.WriteString(version)
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if version == "(devel)" {
		b.WriteString(": a development build, not a released version")
		if rev := settings["vcs.revision"]; rev != "" {
			b.WriteString(", commit " + rev)
			if settings["vcs.modified"] == "true" {
				b.WriteString(" with uncommitted changes")
			}
		}
	}
	b.WriteString(" (" + info.GoVersion + ")")
	return b.String()
}
