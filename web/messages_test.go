package web

import (
	"fmt"
	"reflect"
	"regexp"
	"testing"
)

// verb matches a fmt verb, with its flags, index and precision.
var verb = regexp.MustCompile(`%[-+# 0]*(\[\d+\])?(\.\d+)?(\[\d+\])?[a-zA-Z%]`)

// TestMessages checks that both tables of each set of messages say
// everything, with the same number of fmt verbs in each template.
func TestMessages(t *testing.T) {
	checkTables(t, "messages", reflect.ValueOf(*english), reflect.ValueOf(*chinese))
	checkTables(t, "insideMessages", reflect.ValueOf(*insideEnglish), reflect.ValueOf(*insideChinese))
	checkTables(t, "whatIfMessages", reflect.ValueOf(*englishWhatIf), reflect.ValueOf(*chineseWhatIf))
	checkTables(t, "dataMessages", reflect.ValueOf(*englishData), reflect.ValueOf(*chineseData))
}

// checkTables checks the English and Chinese tables en and zh of one
// struct type: every string said in both, with as many fmt verbs.
func checkTables(t *testing.T, what string, en, zh reflect.Value) {
	t.Helper()
	for i := range en.NumField() {
		name := what + "." + en.Type().Field(i).Name
		a, b := en.Field(i), zh.Field(i)
		switch a.Kind() {
		case reflect.String:
			checkTemplate(t, name, a.String(), b.String())
		case reflect.Array:
			for k := range a.Len() {
				checkTemplate(t, fmt.Sprintf("%s[%d]", name, k), a.Index(k).String(), b.Index(k).String())
			}
		case reflect.Slice:
			if a.Len() == 0 || a.Len() != b.Len() {
				t.Errorf("%s: %d entries in English, %d in Chinese", name, a.Len(), b.Len())
			}
		}
	}
}

// checkTemplate checks one message in English (a) and Chinese (b).
func checkTemplate(t *testing.T, name, a, b string) {
	t.Helper()
	if a == "" || b == "" {
		t.Errorf("%s: empty", name)
	}
	if na, nb := len(verb.FindAllString(a, -1)), len(verb.FindAllString(b, -1)); na != nb {
		t.Errorf("%s: %d fmt verbs in English, %d in Chinese", name, na, nb)
	}
}

func TestPick(t *testing.T) {
	for tag, want := range map[string]*messages{
		"zh-CN": chinese, "zh": chinese, "zh-Hans-SG": chinese, "ZH-tw": chinese,
		"en-US": english, "fr": english, "": english,
	} {
		if got := pick(tag); got != want {
			t.Errorf("pick(%q) = %s, want %s", tag, got.lang, want.lang)
		}
	}
}
