package main

import "runtime/debug"

// buildVersion is set by the Makefile: -ldflags "-X main.buildVersion=…".
var buildVersion string

// version names the code that built this binary: the Makefile's git
// description, else the module version or VCS revision Go recorded, else
// "devel".
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
	}
	return "devel"
}
