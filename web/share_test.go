package web

import (
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/digit"
)

// TestLinkRoundTrip checks that a link's query reads back as the same
// settings and choices.
func TestLinkRoundTrip(t *testing.T) {
	l := defaultLink()
	l.settings.FromScratch, l.settings.Hidden, l.settings.LR, l.settings.Epochs, l.settings.Seed = false, 64, 0.0025, 7, 99
	l.settings.Data, l.settings.TrainImages = digit.DataMNIST, 60_000
	l.lang, l.image, l.hasWorkers = chinese.lang, 1234, true
	l.erased[3], l.erased[17] = true, true
	q := l.query()
	got, err := parseLink(q)
	if err != nil {
		t.Fatalf("parseLink(%q): %v", q, err)
	}
	if got != l {
		t.Errorf("parseLink(%q) = %+v, want %+v", q, got, l)
	}
	if d, err := parseLink(""); err != nil || d != defaultLink() {
		t.Errorf("parseLink(\"\") = %+v, %v; want the defaults", d, err)
	}
}

// TestLinkBad checks that a link with a bad value gives the defaults and a
// one-line error naming what was wrong.
func TestLinkBad(t *testing.T) {
	for query, want := range map[string]string{
		"epochs=0":              "epochs must be between",
		"epochs=two":            `epochs="two"`,
		"lr=5":                  "learning rate",
		"from=nowhere":          `from="nowhere"`,
		"erase=3,28":            `erase="3,28"`,
		"image=-2":              `image="-2"`,
		"lang=fr":               `lang="fr"`,
		"data=cifar":            `data must be subset or mnist, not "cifar"`,
		"colour=red":            "colour: not a setting",
		"hidden=64&batch=99999": "batch size",
		"%zz":                   "query",
	} {
		l, err := parseLink(query)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("parseLink(%q): error %v, want one line with %q", query, err, want)
		}
		if l != defaultLink() || l.settings != digit.Defaults() {
			t.Errorf("parseLink(%q) = %+v, want the defaults", query, l)
		}
	}
}
